"""Plain numpy/Python oracles for the catalogue-B indicators TA-Lib does not have, one variant on
clean bars each, written from the textbook definitions (no code shared with the kernels)."""

from __future__ import annotations

import numpy as np
import talib
from numpy.lib.stride_tricks import sliding_window_view

from tests.unit.contexts.indicators.kernels.kernel_checks import Bars


def trailing(values: np.ndarray, window: int, reduce) -> np.ndarray:
    """reduce(window values) at every bar with a full window, NaN before."""
    out = np.full(values.shape[0], np.nan)
    if values.shape[0] >= window:
        out[window - 1 :] = reduce(sliding_window_view(values, window), axis=1)
    return out


def vortex(bars: Bars, window: int) -> np.ndarray:
    moves = np.concatenate(([np.nan], np.abs(bars.high[1:] - bars.low[:-1])))
    ranges = talib.TRANGE(bars.high, bars.low, bars.close)
    with np.errstate(invalid="ignore", divide="ignore"):
        return trailing(moves, window, np.sum) / trailing(ranges, window, np.sum)


def close_location_volume(bars: Bars) -> np.ndarray:
    spread = bars.high - bars.low
    with np.errstate(invalid="ignore", divide="ignore"):
        location = np.where(spread > 0, ((bars.close - bars.low) - (bars.high - bars.close)) / spread, 0.0)
    return location * bars.volume


def cmf(bars: Bars, window: int) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return trailing(close_location_volume(bars), window, np.sum) / trailing(bars.volume, window, np.sum)


def vwap(bars: Bars, window: int) -> np.ndarray:
    typical = (bars.high + bars.low + bars.close) / 3.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return trailing(typical * bars.volume, window, np.sum) / trailing(bars.volume, window, np.sum)


def vwap_deviation(bars: Bars, window: int) -> np.ndarray:
    line = vwap(bars, window)
    return (bars.close - line) / line * 100.0


def candle_body(bars: Bars) -> np.ndarray:
    spread = bars.high - bars.low
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 0, (bars.close - bars.open) / spread, np.nan)


def pivots(bars: Bars, left: int, right: int) -> np.ndarray:
    """Event at t = p + right: +1 if low[p] is a pivot low, -1 if high[p] is a pivot high, 0 if
    neither or both. Pivot high: high[p] > every high of the `left` bars before, >= every high of
    the `right` bars after."""
    n = bars.high.shape[0]
    out = np.full(n, np.nan)
    if n <= left + right:
        return out
    pivot = np.arange(left, n - right)

    def is_pivot(x: np.ndarray) -> np.ndarray:
        before = np.all([x[pivot] > x[pivot - k] for k in range(1, left + 1)], axis=0)
        after = np.all([x[pivot] >= x[pivot + k] for k in range(1, right + 1)], axis=0)
        return before & after

    out[left + right :] = is_pivot(-bars.low).astype(float) - is_pivot(bars.high).astype(float)
    return out


def zscore(bars: Bars, window: int) -> np.ndarray:
    mean = trailing(bars.close, window, np.mean)
    std = trailing(bars.close, window, np.std)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(std > 0, (bars.close - mean) / std, np.nan)


def percent_rank(bars: Bars, window: int) -> np.ndarray:
    """100 * share of the previous `window` closes that are <= the current close."""
    close = bars.close
    out = np.full(close.shape[0], np.nan)
    if close.shape[0] > window:
        previous = sliding_window_view(close[:-1], window)
        out[window:] = 100.0 * (previous <= close[window:, None]).sum(axis=1) / window
    return out


def distance_to_ma_norm(bars: Bars, window: int) -> np.ndarray:
    atr = talib.ATR(bars.high, bars.low, bars.close, window)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(atr > 0, (bars.close - talib.SMA(bars.close, window)) / atr, np.nan)
