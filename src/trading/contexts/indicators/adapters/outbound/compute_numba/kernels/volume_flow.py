"""Volume-flow kernels: ad_line, cmf, volume_sma, vwap (rolling), vwap_deviation.

NaN policy: a bar is missing when any input the kernel reads is NaN; windowed outputs are NaN until
`window` valid bars and on every window touching a missing bar. The AD line is NaN on missing bars
and restarts from 0 after a gap, like a fresh TA-Lib AD. A window whose volumes are all 0 (e.g.
filled bars with no trades) has no volume-weighted value: cmf, vwap and vwap_deviation are NaN.
A bar with high == low has no close location: it adds nothing to the AD line or the CMF flow (TA-Lib
AD's rule). vwap uses the typical price (high + low + close) / 3 over the last `window` bars, not a
session anchor; vwap_deviation = (close - vwap) / vwap * 100.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import masked_bars, typical_price
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import sma_into


@njit(cache=True)
def _close_location(high: float, low: float, close: float) -> float:
    """((close - low) - (high - close)) / (high - low) in [-1, 1]; 0 for a bar without range."""
    spread = high - low
    return ((close - low) - (high - close)) / spread if spread > 0.0 else 0.0


@njit(cache=True)
def ad_line(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """Accumulation/distribution line (TA-Lib AD), shape (1, n); first value on bar 0."""
    out = np.empty((1, close.shape[0]))
    level = 0.0
    for i in range(close.shape[0]):
        if math.isnan(high[i] + low[i] + close[i] + volume[i]):
            out[0, i] = np.nan
            level = 0.0
            continue
        level += _close_location(high[i], low[i], close[i]) * volume[i]
        out[0, i] = level
    return out


@njit(cache=True)
def _weighted_terms(values: np.ndarray, volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values * volume, volume), NaN together wherever either is missing."""
    weights = masked_bars(volume, ~np.isnan(values))
    return values * weights, weights


@njit(cache=True)
def _zero_volume_runs(weights: np.ndarray) -> np.ndarray:
    """Consecutive zero-volume bars ending at each bar."""
    out = np.empty(weights.shape[0], dtype=np.int64)
    run = 0
    for i in range(weights.shape[0]):
        run = run + 1 if weights[i] == 0.0 else 0
        out[i] = run
    return out


@njit(cache=True)
def volume_weighted_into(
    weighted: np.ndarray, weights: np.ndarray, zero_runs: np.ndarray, window: int, out: np.ndarray
) -> None:
    """sum(weighted) / sum(weights) over `window` bars; NaN when every weight in the window is 0
    (tracked exactly, so rolling-sum residue never passes for volume)."""
    total = np.empty(weights.shape[0])
    sma_into(weighted, window, out)
    sma_into(weights, window, total)
    for i in range(out.shape[0]):
        out[i] = np.nan if zero_runs[i] >= window else out[i] / total[i]


@njit(cache=True)
def _close_locations(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    out = np.empty(close.shape[0])
    for i in range(close.shape[0]):
        out[i] = _close_location(high[i], low[i], close[i])
        if math.isnan(high[i] + low[i] + close[i]):
            out[i] = np.nan
    return out


@njit(cache=True, parallel=True, nogil=True)
def cmf(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Chaikin money flow: sum(close location * volume) / sum(volume); first value on bar window - 1."""
    flow, weights = _weighted_terms(_close_locations(high, low, close), volume)
    zero_runs = _zero_volume_runs(weights)
    out = np.empty((window.shape[0], close.shape[0]))
    for j in prange(window.shape[0]):
        volume_weighted_into(flow, weights, zero_runs, window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def vwap(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Rolling VWAP of the typical price; first value on bar window - 1."""
    flow, weights = _weighted_terms(typical_price(high, low, close), volume)
    zero_runs = _zero_volume_runs(weights)
    out = np.empty((window.shape[0], close.shape[0]))
    for j in prange(window.shape[0]):
        volume_weighted_into(flow, weights, zero_runs, window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def vwap_deviation(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, window: np.ndarray
) -> np.ndarray:
    """(close - vwap) / vwap * 100; first value on bar window - 1."""
    out = vwap(high, low, close, volume, window)
    for j in prange(window.shape[0]):
        for i in range(close.shape[0]):
            out[j, i] = (close[i] - out[j, i]) / out[j, i] * 100.0
    return out


@njit(cache=True, parallel=True, nogil=True)
def volume_sma(volume: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Simple moving average of volume (TA-Lib SMA on volume); first value on bar window - 1."""
    out = np.empty((window.shape[0], volume.shape[0]))
    for j in prange(window.shape[0]):
        sma_into(volume, window[j], out[j])
    return out
