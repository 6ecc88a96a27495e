"""Volume kernels: obv, mfi.

NaN policy: a bar is missing when any input the kernel reads is NaN. MFI is NaN until `window`
money flows exist and on every window touching a missing bar. OBV is NaN on missing bars and,
like a fresh TA-Lib OBV, restarts from the first valid bar's volume after a gap. TA-Lib has no
gap handling: its OBV silently skips a NaN close, its MFI turns NaN for the rest of the series.
MFI is 0 when the window has no positive and no negative flow (TA-Lib's convention for a flat
typical price); a typical-price change that is rounding residue (`negligible`) counts as no move,
as in TA-Lib.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import (
    masked_bars,
    negligible,
    typical_price,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import sma_into


@njit(cache=True)
def obv(close: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """On-balance volume, shape (1, n): starts at the first bar's volume, then +/- volume per bar
    by the sign of the close change (unchanged close adds nothing), as TA-Lib OBV."""
    out = np.empty((1, close.shape[0]))
    level = 0.0
    started = False
    for i in range(close.shape[0]):
        if math.isnan(close[i]) or math.isnan(volume[i]):
            out[0, i] = np.nan
            started = False
            continue
        if not started:
            level = volume[i]
            started = True
        elif close[i] > close[i - 1]:
            level += volume[i]
        elif close[i] < close[i - 1]:
            level -= volume[i]
        out[0, i] = level
    return out


@njit(cache=True)
def _money_flows(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative raw money flow per bar; NaN where this or the previous bar is missing."""
    tp = masked_bars(typical_price(high, low, close), ~np.isnan(volume))
    n = tp.shape[0]
    positive = np.zeros(n)
    negative = np.zeros(n)
    positive[:1] = np.nan
    negative[:1] = np.nan
    for i in range(1, n):
        change = tp[i] - tp[i - 1]
        if math.isnan(change):
            positive[i] = negative[i] = np.nan
        elif not negligible(change, abs(tp[i]) + abs(tp[i - 1])):
            if change > 0.0:
                positive[i] = tp[i] * volume[i]
            else:
                negative[i] = tp[i] * volume[i]
    return positive, negative


@njit(cache=True, parallel=True, nogil=True)
def mfi(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Money flow index over `window` flows (TA-Lib MFI); first value on bar `window`."""
    positive, negative = _money_flows(high, low, close, volume)
    n = close.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        pos_mean = np.empty(n)
        neg_mean = np.empty(n)
        sma_into(positive, window[j], pos_mean)
        sma_into(negative, window[j], neg_mean)
        for i in range(n):
            if math.isnan(pos_mean[i]):
                out[j, i] = np.nan
                continue
            positive_part = max(pos_mean[i], 0.0)
            total = positive_part + max(neg_mean[i], 0.0)
            out[j, i] = 100.0 * (positive_part / total) if total > 0.0 else 0.0
    return out
