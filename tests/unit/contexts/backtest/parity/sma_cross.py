"""The fast/slow SMA crossover signal the oracle parity tests feed to both engines."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def sma(values: FloatArray, window: int) -> FloatArray:
    out = np.full(values.shape, np.nan)
    sums = np.cumsum(np.r_[0.0, values])
    out[window - 1 :] = (sums[window:] - sums[:-window]) / window
    return out


def cross_signal(close: FloatArray, fast: int, slow: int) -> npt.NDArray[np.int8]:
    """LONG while SMA(fast) > SMA(slow), SHORT while below, NEUTRAL on equality or before both exist."""
    fast_ma, slow_ma = sma(close, fast), sma(close, slow)
    with np.errstate(invalid="ignore"):
        return np.where(fast_ma > slow_ma, 1, np.where(fast_ma < slow_ma, -1, 0)).astype(np.int8)
