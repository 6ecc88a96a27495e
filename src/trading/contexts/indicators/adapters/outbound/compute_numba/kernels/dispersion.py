"""Dispersion kernels: tr, variance, hv (historical volatility), bbands_bandwidth.

NaN policy: a bar is missing when any input the kernel reads is NaN; every window touching a
missing bar is NaN and the next window starts after the gap (TA-Lib stays NaN from a gap on).
Definitions:
- tr is TA-Lib TRANGE (shape (1, n), no params);
- variance is the population variance (TA-Lib VAR); a flat window gives exactly 0;
- hv has no TA-Lib counterpart: the population std of the `window` log returns ln(x[t] / x[t-1])
  ending at t, times 100 (percent per bar, not annualised: scaling by sqrt(bars per year) would not
  change a delta_sign signal); a non-positive price makes its two returns NaN;
- bbands_bandwidth is (upper - lower) / basis of 2-std Bollinger bands (SMA basis, population std),
  NaN when the basis is 0. The band multiplier only scales the value and the delta_sign rule is
  scale-free, so it is fixed at 2 rather than being a grid axis.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import rolling_mean_std_into
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.volatility import true_range

BANDWIDTH_NBDEV = 2.0
PERCENT = 100.0


@njit(cache=True)
def tr(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    out = np.empty((1, close.shape[0]))
    out[0] = true_range(high, low, close)
    return out


@njit(cache=True, parallel=True, nogil=True)
def variance(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    n = src_rows.shape[1]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        mean = np.empty(n)
        rolling_mean_std_into(src_rows[src_idx[j]], window[j], mean, out[j])
        for i in range(n):
            out[j, i] = out[j, i] * out[j, i]
    return out


@njit(cache=True)
def log_returns(x: np.ndarray) -> np.ndarray:
    """ln(x[t] / x[t-1]); NaN on the first bar, next to a missing bar and for non-positive prices."""
    out = np.empty(x.shape[0])
    out[:1] = np.nan
    for i in range(1, x.shape[0]):
        out[i] = math.log(x[i] / x[i - 1]) if x[i] > 0.0 and x[i - 1] > 0.0 else np.nan
    return out


@njit(cache=True, parallel=True, nogil=True)
def hv(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    k, n = src_rows.shape
    returns = np.empty((k, n))
    for r in range(k):
        returns[r] = log_returns(src_rows[r])
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        mean = np.empty(n)
        rolling_mean_std_into(returns[src_idx[j]], window[j], mean, out[j])
        for i in range(n):
            out[j, i] = out[j, i] * PERCENT
    return out


@njit(cache=True, parallel=True, nogil=True)
def bbands_bandwidth(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Upper and lower bands are formed as TA-Lib BBANDS does before taking their distance."""
    n = src_rows.shape[1]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        mean = np.empty(n)
        std = np.empty(n)
        rolling_mean_std_into(src_rows[src_idx[j]], window[j], mean, std)
        for i in range(n):
            offset = std[i] * BANDWIDTH_NBDEV
            width = (mean[i] + offset) - (mean[i] - offset)
            out[j, i] = width / mean[i] if mean[i] != 0.0 else np.nan
    return out
