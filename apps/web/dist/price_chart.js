// The report's interactive chart (TradingView lightweight-charts, vendored, no CDN): candles with the
// variant's entries and exits and its price-unit indicator lines; oscillators each in a pane below;
// then equity with buy & hold on its own (left) scale, and drawdown. All panes share one time axis,
// so zoom (wheel / pinch) and pan (drag) move them together.

import {
  AreaSeries,
  CandlestickSeries,
  LineSeries,
  createChart,
  createSeriesMarkers,
} from "./vendor/lightweight-charts/lightweight-charts.standalone.production.mjs";
import { drawdownPct, snapLine, toSeconds, tradeMarkers } from "./chart_time.js";
import { el, setChildren } from "./dom.js";
import { formatDateTime, formatNumber } from "./format.js";

const LINE_COLORS = ["#2563eb", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const PANE_HEIGHTS = { price: 320, oscillator: 110, equity: 150, drawdown: 90 };
const charts = new WeakMap();

function candleData(candles) {
  return candles.ts_ms.map((ts, i) => ({
    time: toSeconds(ts),
    open: candles.open[i],
    high: candles.high[i],
    low: candles.low[i],
    close: candles.close[i],
  }));
}

function addLine(chart, pane, data, options) {
  const series = chart.addSeries(LineSeries, { lineWidth: 1, priceLineVisible: false, ...options }, pane);
  series.setData(data);
  return series;
}

function tooltipText(markersHere, trades, decimals) {
  return markersHere.map((marker) => {
    const trade = trades[marker.trade];
    const price = marker.kind === "entry" ? trade.entry_price : trade.exit_price;
    const head = `${marker.kind === "entry" ? "Enter" : "Exit"} ${trade.side} #${marker.trade + 1} @ ${formatNumber(price, decimals)}`;
    const tail = marker.kind === "exit" ? ` · ${trade.exit_reason} · ${formatNumber(trade.return_pct)}%` : "";
    return `${head} · ${formatDateTime(marker.fillTime)}${tail}`;
  });
}

function attachTooltip(chart, box, markers, trades, decimals) {
  const tip = el("div", { class: "chart-tooltip", hidden: true, role: "status" });
  box.append(tip);
  const byTime = new Map();
  for (const marker of markers) byTime.set(marker.time, [...(byTime.get(marker.time) || []), marker]);
  chart.subscribeCrosshairMove((param) => {
    const here = param.time === undefined ? null : byTime.get(param.time);
    if (!here || !param.point) {
      tip.hidden = true;
      return;
    }
    setChildren(tip, tooltipText(here, trades, decimals).map((line) => el("div", {}, line)));
    tip.style.left = `${Math.min(param.point.x + 12, box.clientWidth - 260)}px`;
    tip.style.top = `${param.point.y + 12}px`;
    tip.hidden = false;
  });
}

function legend(priceLines, oscillators) {
  return el(
    "div",
    { class: "chart-legend" },
    el("span", {}, "Candles, ▲ long entry, ▼ short entry, ● exit"),
    priceLines.map((line, i) => el("span", { style: `color:${LINE_COLORS[i % LINE_COLORS.length]}` }, line.label)),
    oscillators.length ? el("span", {}, `Panes: ${oscillators.map((line) => line.label).join(", ")}`) : null,
    el("span", {}, "Equity (right scale) vs buy & hold (left scale), drawdown %"),
  );
}

// Draws (or redraws) the chart of `report` over `candlesBody` (GET /api/candles) into `container`.
export function renderPriceChart(container, candlesBody, report) {
  charts.get(container)?.remove();
  const candleOpenMs = candlesBody.candles.ts_ms;
  const barMs = report.bar_ms || candlesBody.bar_ms;
  const decimals = candlesBody.price_decimals;
  const lines = report.indicator_lines || [];
  const priceLines = lines.filter((line) => line.placement === "price");
  const oscillators = lines.filter((line) => line.placement !== "price");
  const box = el("div", { class: "price-chart", "data-testid": "price-chart" });
  const fit = el("button", { type: "button", class: "secondary small" }, "Fit all");
  setChildren(
    container,
    el("div", { class: "chart-toolbar" }, legend(priceLines, oscillators), fit),
    box,
    el("p", { class: "muted attribution" }, "Charts by ", el("a", { href: "https://www.tradingview.com/", rel: "noopener" }, "TradingView Lightweight Charts™"), " — Copyright (c) 2026 TradingView, Inc."),
  );

  const chart = createChart(box, {
    autoSize: true,
    layout: { attributionLogo: true, fontSize: 11 },
    leftPriceScale: { visible: true, borderVisible: false },
    rightPriceScale: { borderVisible: false },
    timeScale: { timeVisible: true, secondsVisible: false },
    localization: { dateFormat: "yyyy-MM-dd" },
  });
  charts.set(container, chart);

  const candles = chart.addSeries(CandlestickSeries, {
    priceFormat: { type: "price", precision: decimals, minMove: 10 ** -decimals },
    upColor: "#16a34a", downColor: "#dc2626", borderVisible: false, wickUpColor: "#16a34a", wickDownColor: "#dc2626",
  }, 0);
  candles.setData(candleData(candlesBody.candles));
  priceLines.forEach((line, i) => addLine(chart, 0, snapLine(candleOpenMs, barMs, line.ts_ms, line.values), {
    color: LINE_COLORS[i % LINE_COLORS.length], title: line.label,
    priceFormat: { type: "price", precision: decimals, minMove: 10 ** -decimals },
  }));
  const markers = tradeMarkers(report.trades || [], candleOpenMs, candlesBody.bars_per_candle);
  createSeriesMarkers(candles, markers);
  box.dataset.markers = JSON.stringify(markers.map(({ time, trade, kind, fillTime }) => ({ time, trade, kind, fillTime })));

  let pane = 1;
  for (const line of oscillators) {
    addLine(chart, pane, snapLine(candleOpenMs, barMs, line.ts_ms, line.values), { color: "#7c3aed", title: line.label });
    pane += 1;
  }
  const equity = report.equity || { ts_ms: [], equity: [] };
  addLine(chart, pane, snapLine(candleOpenMs, barMs, equity.ts_ms, equity.equity), { color: "#2563eb", lineWidth: 2, title: "equity" });
  if (equity.benchmark) {
    addLine(chart, pane, snapLine(candleOpenMs, barMs, equity.ts_ms, equity.benchmark), {
      color: "#94a3b8", title: "buy & hold", priceScaleId: "left",
    });
  }
  const drawdown = chart.addSeries(AreaSeries, {
    lineColor: "#dc2626", topColor: "rgba(220,38,38,0.05)", bottomColor: "rgba(220,38,38,0.35)",
    lineWidth: 1, title: "drawdown %", priceLineVisible: false, invertFilledArea: true,
  }, pane + 1);
  drawdown.setData(snapLine(candleOpenMs, barMs, equity.ts_ms, drawdownPct(equity.equity), Math.min));

  const heights = [PANE_HEIGHTS.price, ...oscillators.map(() => PANE_HEIGHTS.oscillator), PANE_HEIGHTS.equity, PANE_HEIGHTS.drawdown];
  box.style.height = `${heights.reduce((a, b) => a + b, 0)}px`;
  chart.panes().forEach((chartPane, i) => chartPane.setHeight(heights[i]));
  chart.timeScale().fitContent();
  fit.addEventListener("click", () => chart.timeScale().fitContent());
  attachTooltip(chart, box, markers, report.trades || [], decimals);
  return chart;
}
