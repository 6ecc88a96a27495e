// Pure helpers that put report times on the chart's candles. Report times are fill times (a bar's
// close); a candle is drawn at its open time and may cover several bars, so a time t lands on the
// candle whose span holds the bar that closes at t: the last candle opening at or before t - bar_ms.

export const toSeconds = (ms) => Math.floor(ms / 1000);

// Index of the last candle opening at or before `openMs`, or -1 before the first one.
export function candleIndexAt(candleOpenMs, openMs) {
  let lo = 0;
  let hi = candleOpenMs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (candleOpenMs[mid] <= openMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

// Candle open time (seconds) of the bar that closes at `closeMs`; null outside the candles.
export function candleTimeOfClose(candleOpenMs, barMs, closeMs) {
  const index = candleIndexAt(candleOpenMs, closeMs - barMs);
  return index < 0 ? null : toSeconds(candleOpenMs[index]);
}

// A line of (close time, value) pairs as chart points, one per candle: `pick` chooses which value a
// candle keeps when several fall on it (the last one, or the worst drawdown).
export function snapLine(candleOpenMs, barMs, closeTimesMs, values, pick = (_kept, next) => next) {
  const points = [];
  closeTimesMs.forEach((closeMs, i) => {
    const value = values[i];
    const time = candleTimeOfClose(candleOpenMs, barMs, closeMs);
    if (time === null || value === null || value === undefined || !Number.isFinite(value)) return;
    const last = points[points.length - 1];
    if (last && last.time === time) last.value = pick(last.value, value);
    else points.push({ time, value });
  });
  return points;
}

// Drawdown in % below the running peak of an equity line.
export function drawdownPct(values) {
  let peak = -Infinity;
  return values.map((value) => {
    peak = Math.max(peak, value);
    return peak > 0 ? -(1 - value / peak) * 100 : 0;
  });
}

// One marker per entry and per exit, on the candle holding the trade's `entry_bar` / `exit_bar` (the
// bar it filled in; candle c holds target bars [c * barsPerCandle, (c + 1) * barsPerCandle), which
// holds for session markets with gaps too), sorted by time as the library requires. `fillTime` keeps
// the trade's own time for the hover text and tests.
export function tradeMarkers(trades, candleOpenMs, barsPerCandle) {
  const markers = [];
  trades.forEach((trade, index) => {
    const long = trade.side === "long";
    for (const kind of ["entry", "exit"]) {
      const fillTime = trade[`${kind}_time`];
      const candle = Math.floor(trade[`${kind}_bar`] / barsPerCandle);
      if (candle >= candleOpenMs.length) continue;
      const time = toSeconds(candleOpenMs[candle]);
      const entry = kind === "entry";
      markers.push({
        time,
        trade: index,
        kind,
        fillTime,
        position: entry === long ? "belowBar" : "aboveBar",
        shape: entry ? (long ? "arrowUp" : "arrowDown") : "circle",
        color: entry ? (long ? "#15803d" : "#b91c1c") : "#475569",
        text: entry ? (long ? "L" : "S") : "x",
      });
    }
  });
  return markers.sort((a, b) => a.time - b.time || a.trade - b.trade);
}
