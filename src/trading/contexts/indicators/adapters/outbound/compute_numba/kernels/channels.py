"""Channel kernels: donchian (mid), chandelier_exit (long stop), ichimoku (span A).

NaN policy: a bar is missing when any of high/low (and close, where read) is NaN; every window
touching a missing bar is NaN, and the Wilder ATR of the chandelier exit restarts its SMA seed
after a gap. Donchian mid equals TA-Lib MIDPRICE. The keltner middle line is an EMA of its source
and reuses `ma.ema` directly (definitions/trend.py), so it has no kernel here.
Ichimoku span A is (tenkan line + kijun line) / 2 at bar t, NOT shifted `kijun` bars forward as
on a chart: a forward shift would only relabel the same number, and the value at t never uses
bars after t.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import (
    masked_bars,
    rolling_extreme_into,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import rma_into
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.volatility import true_range


@njit(cache=True)
def _valid_high_low(high: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    valid = ~(np.isnan(high) | np.isnan(low))
    return masked_bars(high, valid), masked_bars(low, valid)


@njit(cache=True)
def midpoint_into(high: np.ndarray, low: np.ndarray, window: int, out: np.ndarray) -> None:
    """(highest high + lowest low) / 2 over `window` bars; inputs already share their NaN bars."""
    lowest = np.empty(high.shape[0])
    rolling_extreme_into(high, window, 1.0, out)
    rolling_extreme_into(low, window, -1.0, lowest)
    for i in range(high.shape[0]):
        out[i] = (out[i] + lowest[i]) / 2.0


@njit(cache=True, parallel=True, nogil=True)
def donchian(high: np.ndarray, low: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Donchian channel mid line (TA-Lib MIDPRICE); first value on bar window - 1."""
    highs, lows = _valid_high_low(high, low)
    out = np.empty((window.shape[0], high.shape[0]))
    for j in prange(window.shape[0]):
        midpoint_into(highs, lows, window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def ichimoku(high: np.ndarray, low: np.ndarray, tenkan: np.ndarray, kijun: np.ndarray) -> np.ndarray:
    """Senkou span A at t: mean of the tenkan and kijun midpoints; first value on max(tenkan, kijun) - 1.
    Each distinct window's midpoint is computed once and shared by the variants that use it."""
    highs, lows = _valid_high_low(high, low)
    n = high.shape[0]
    windows = np.unique(np.concatenate((tenkan, kijun)))
    midpoints = np.empty((windows.shape[0], n))
    for w in prange(windows.shape[0]):
        midpoint_into(highs, lows, windows[w], midpoints[w])
    fast = np.searchsorted(windows, tenkan)
    slow = np.searchsorted(windows, kijun)
    out = np.empty((tenkan.shape[0], n))
    for j in prange(tenkan.shape[0]):
        for i in range(n):
            out[j, i] = (midpoints[fast[j], i] + midpoints[slow[j], i]) / 2.0
    return out


@njit(cache=True, parallel=True, nogil=True)
def chandelier_exit(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray, multiplier: np.ndarray
) -> np.ndarray:
    """Long exit: highest high over `window` bars - multiplier * ATR(window) (Wilder, TA-Lib seed);
    first value on bar `window` (the first ATR)."""
    ranges = true_range(high, low, close)
    highs = masked_bars(high, ~(np.isnan(high) | np.isnan(low) | np.isnan(close)))
    n = high.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        atr_values = np.empty(n)
        rma_into(ranges, window[j], atr_values)
        rolling_extreme_into(highs, window[j], 1.0, out[j])
        for i in range(n):
            out[j, i] = out[j, i] - multiplier[j] * atr_values[i]
    return out
