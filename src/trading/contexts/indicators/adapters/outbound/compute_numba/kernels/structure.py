"""Price-structure kernels: candle_body, pivots, zscore, percent_rank, distance_to_ma_norm.

NaN policy: a bar is missing when any input the kernel reads is NaN; every window touching a
missing bar is NaN. Division by zero gives NaN: a candle without range (high == low), a window
with zero spread (zscore), a zero ATR (distance_to_ma_norm).
Pivots: bar p is a pivot high when its high is strictly above the `left` highs before it and at
least as high as the `right` highs after it (so a plateau yields one pivot, on its first bar);
mirror for pivot lows. The event is reported at t = p + right, the first bar at which it is known,
never earlier: +1 = pivot low confirmed (a swing bottom), -1 = pivot high confirmed, 0 = none or
both at once (an outside bar that is both).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import (
    masked_bars,
    rolling_mean_std_into,
    run_lengths,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import rma_into, sma_into
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.volatility import true_range


@njit(cache=True)
def candle_body(open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """(close - open) / (high - low) in [-1, 1], shape (1, n): sign = candle direction, size = how
    much of the range the body covers."""
    spread = high - low
    out = np.empty((1, close.shape[0]))
    for i in range(close.shape[0]):
        out[0, i] = (close[i] - open_[i]) / spread[i] if spread[i] > 0.0 else np.nan
    return out


@njit(cache=True)
def _dominance_runs(x: np.ndarray, sign: float, step: int, strict: bool, cap: int) -> np.ndarray:
    """For each bar p: how many consecutive bars p + step, p + 2 * step, ... (at most `cap`) lie
    strictly (or, with strict=False, at least) on the inner side of x[p]; NaN stops the count.
    Whether this reaches r only depends on the r bars it covers, so reading it at t = p + right
    never looks past t."""
    n = x.shape[0]
    out = np.zeros(n, dtype=np.int64)
    for p in range(n):
        level = sign * x[p]
        count = 0
        k = p + step
        while count < cap and 0 <= k < n:
            other = sign * x[k]
            if not (other < level or (not strict and other == level)):
                break
            count += 1
            k += step
        out[p] = count
    return out


@njit(cache=True, parallel=True, nogil=True)
def pivots(high: np.ndarray, low: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Confirmed pivot events (see module docstring); first value on bar left + right. The
    dominance runs are shared by all variants, so each variant costs two lookups per bar."""
    runs = run_lengths(high + low)
    n = high.shape[0]
    out = np.empty((left.shape[0], n))
    if n == 0:
        return out
    cap_left = int(left.max())
    cap_right = int(right.max())
    top_before = _dominance_runs(high, 1.0, -1, True, cap_left)
    top_after = _dominance_runs(high, 1.0, 1, False, cap_right)
    bottom_before = _dominance_runs(low, -1.0, -1, True, cap_left)
    bottom_after = _dominance_runs(low, -1.0, 1, False, cap_right)
    for j in prange(left.shape[0]):
        span = left[j] + right[j]
        for t in range(n):
            if runs[t] <= span:
                out[j, t] = np.nan
                continue
            p = t - right[j]
            top = top_before[p] >= left[j] and top_after[p] >= right[j]
            bottom = bottom_before[p] >= left[j] and bottom_after[p] >= right[j]
            out[j, t] = float(np.int8(bottom) - np.int8(top))
    return out


@njit(cache=True, parallel=True, nogil=True)
def zscore(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """(x - mean) / population std over `window` bars; first value on bar window - 1."""
    n = src_rows.shape[1]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        src = src_rows[src_idx[j]]
        std = np.empty(n)
        rolling_mean_std_into(src, window[j], out[j], std)
        for i in range(n):
            out[j, i] = (src[i] - out[j, i]) / std[i] if std[i] > 0.0 else np.nan
    return out


@njit(cache=True, parallel=True, nogil=True)
def percent_rank(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Percent of the previous `window` values that are <= the current one (0..100); first value
    on bar `window`."""
    n = src_rows.shape[1]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        src = src_rows[src_idx[j]]
        runs = run_lengths(src)
        for t in range(n):
            if runs[t] <= window[j]:
                out[j, t] = np.nan
                continue
            count = 0
            for k in range(t - window[j], t):
                if src[k] <= src[t]:
                    count += 1
            out[j, t] = 100.0 * count / window[j]
    return out


@njit(cache=True, parallel=True, nogil=True)
def distance_to_ma_norm(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray) -> np.ndarray:
    """(close - SMA(close, window)) / ATR(window) (Wilder, TA-Lib seed): distance from the mean in
    units of average true range; first value on bar `window` (the first ATR)."""
    ranges = true_range(high, low, close)
    closes = masked_bars(close, ~(np.isnan(high) | np.isnan(low)))
    n = close.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        atr_values = np.empty(n)
        rma_into(ranges, window[j], atr_values)
        sma_into(closes, window[j], out[j])
        for i in range(n):
            out[j, i] = (close[i] - out[j, i]) / atr_values[i] if atr_values[i] > 0.0 else np.nan
    return out
