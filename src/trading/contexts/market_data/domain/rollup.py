"""1m -> higher timeframe on UTC-aligned buckets, and the dense-timeline fill rule."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trading.contexts.market_data.domain.ohlcv import MINUTE_MS, Ohlcv, make_ohlcv


def rollup(bars: Ohlcv, bucket_ms: int) -> Ohlcv:
    """Aggregate sorted 1m bars into the buckets that have at least one minute.

    Buckets start at multiples of `bucket_ms` since the epoch (so 1d starts at 00:00 UTC); open = first,
    high = max, low = min, close = last, volume = sum over the minutes present.
    """
    if bucket_ms == MINUTE_MS or bars["ts"].shape[0] == 0:
        return bars
    bucket = bars["ts"] - bars["ts"] % bucket_ms
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    last = np.r_[starts[1:], bucket.shape[0]] - 1
    return make_ohlcv(
        bucket[starts],
        bars["open"][starts],
        np.maximum.reduceat(bars["high"], starts),
        np.minimum.reduceat(bars["low"], starts),
        bars["close"][last],
        np.add.reduceat(bars["volume"], starts),
    )


@dataclass(frozen=True)
class DenseBars:
    bars: Ohlcv
    filled: np.ndarray


def densify(bars: Ohlcv, bucket_ms: int, grid_start: int, grid_end: int, prev_close: float | None) -> DenseBars:
    """Every bucket in `[first, grid_end)`; empty ones become flat bars at the previous close, volume 0.

    `first` is `grid_start` when `prev_close` (the close of real data before the grid) is known, else the
    first real bucket: bars before the first available data are never invented. `bars` must be sorted,
    bucket-aligned and inside `[grid_start, grid_end)`.
    """
    ts = bars["ts"]
    if prev_close is not None:
        first = grid_start
    elif ts.shape[0]:
        first = int(ts[0])
    else:
        return DenseBars(bars, np.zeros(0, dtype=bool))
    n = max(0, -(-(grid_end - first) // bucket_ms))
    if ts.shape[0] == n and first == ts[0]:
        return DenseBars(bars, np.zeros(n, dtype=bool))  # already dense: every slot has a real bar
    slot = (ts - first) // bucket_ms
    present = np.zeros(n, dtype=bool)
    present[slot] = True

    # Position of the latest real bar at or before each slot (-1 = only prev_close is before it).
    latest_real = np.where(present, np.arange(n), -1)
    np.maximum.accumulate(latest_real, out=latest_real)
    close_sparse = np.empty(n)
    close_sparse[slot] = bars["close"]
    before_data = np.nan if prev_close is None else prev_close
    carried = np.where(latest_real >= 0, close_sparse[np.maximum(latest_real, 0)], before_data)

    columns: dict[str, np.ndarray] = {}
    for name in ("open", "high", "low", "close"):
        column = carried.copy()
        column[slot] = bars[name]
        columns[name] = column
    volume = np.zeros(n)
    volume[slot] = bars["volume"]
    dense_ts = first + np.arange(n, dtype=np.int64) * bucket_ms
    dense = make_ohlcv(dense_ts, columns["open"], columns["high"], columns["low"], columns["close"], volume)
    return DenseBars(dense, ~present)
