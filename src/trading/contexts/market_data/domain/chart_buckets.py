"""Long bar series squeezed to a point budget for charts: runs of `k` consecutive bars become one bar.

Candles, indicator lines and equity use the same runs (`bucket_starts`), so a chart can put them on
one time axis without resampling twice.
"""

from __future__ import annotations

import numpy as np

from trading.contexts.market_data.domain.ohlcv import Ohlcv, make_ohlcv


def bars_per_bucket(n_bars: int, max_points: int) -> int:
    """The smallest run length that keeps `n_bars` within `max_points` buckets (1 = no aggregation)."""
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1, got {max_points}")
    return max(1, -(-n_bars // max_points))


def bucket_starts(n_bars: int, max_points: int) -> np.ndarray:
    """Index of the first bar of every bucket; buckets start at bar 0 (the last may be shorter)."""
    return np.arange(0, n_bars, bars_per_bucket(n_bars, max_points), dtype=np.int64)


def bucket_ohlcv(bars: Ohlcv, max_points: int) -> Ohlcv:
    """Open of the first bar, max high, min low, close of the last bar, summed volume; time = first open."""
    n = int(bars["ts"].shape[0])
    starts = bucket_starts(n, max_points)
    if starts.shape[0] == n:
        return bars
    last = np.r_[starts[1:], n] - 1
    return make_ohlcv(
        bars["ts"][starts],
        bars["open"][starts],
        np.maximum.reduceat(bars["high"], starts),
        np.minimum.reduceat(bars["low"], starts),
        bars["close"][last],
        np.add.reduceat(bars["volume"], starts),
    )


def last_in_bucket(values: np.ndarray, max_points: int) -> np.ndarray:
    """A line's value at each bucket's close (its last bar), the value a bar-close chart shows."""
    n = int(values.shape[0])
    starts = bucket_starts(n, max_points)
    return values[np.r_[starts[1:], n] - 1]
