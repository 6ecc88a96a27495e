"""Volatility kernels: atr, stddev, bbands_percent_b.

NaN policy: a bar is missing when any input the kernel reads is NaN. Output is NaN until enough
valid history; every window touching a missing bar is NaN; after a gap ATR restarts its SMA seed
as if the series began at the first bar after the gap (TA-Lib has no gap handling: its ATR,
STDDEV and BBANDS stay NaN for the rest of the series).
Degenerate cases: a flat window (bar-to-bar changes all rounding residue) has stddev exactly 0;
%B is NaN when the band width is zero or rounding residue against the basis (0/0). TA-Lib differs
only there: it leaves ~1e-14 noise in the std of such windows, so its bands give a finite %B made
of rounding noise.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import (
    negligible,
    rolling_mean_std_into,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import rma_into


@njit(cache=True)
def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """TA-Lib TRANGE; NaN on the first bar of the series and of every run after a missing bar."""
    valid = ~(np.isnan(high) | np.isnan(low) | np.isnan(close))
    out = np.empty(close.shape[0])
    out[:1] = np.nan
    for i in range(1, close.shape[0]):
        if not (valid[i] and valid[i - 1]):
            out[i] = np.nan
            continue
        widest = high[i] - low[i]
        gap_up = abs(high[i] - close[i - 1])
        if gap_up > widest:
            widest = gap_up
        gap_down = abs(low[i] - close[i - 1])
        if gap_down > widest:
            widest = gap_down
        out[i] = widest
    return out


@njit(cache=True, parallel=True, nogil=True)
def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Wilder ATR seeded with the SMA of the first `window` true ranges (TA-Lib ATR)."""
    ranges = true_range(high, low, close)
    out = np.empty((window.shape[0], close.shape[0]))
    for j in prange(window.shape[0]):
        rma_into(ranges, window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def stddev(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Population standard deviation over `window` bars (TA-Lib STDDEV with nbdev=1)."""
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        mean = np.empty(src_rows.shape[1])
        rolling_mean_std_into(src_rows[src_idx[j]], window[j], mean, out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def bbands_percent_b(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray, nbdev: np.ndarray) -> np.ndarray:
    """(src - lower) / (upper - lower) around an SMA basis with population-std bands."""
    n = src_rows.shape[1]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        src = src_rows[src_idx[j]]
        mean = np.empty(n)
        std = np.empty(n)
        rolling_mean_std_into(src, window[j], mean, std)
        for i in range(n):
            offset = std[i] * nbdev[j]
            lower = mean[i] - offset
            width = (mean[i] + offset) - lower
            out[j, i] = np.nan if negligible(width, abs(mean[i])) else (src[i] - lower) / width
    return out
