"""Trend kernels: adx, supertrend.

NaN policy: a bar is missing when any of high/low/close is NaN. Output is NaN until enough valid
history; after a gap both indicators restart their seeding as if the series began at the first
bar after the gap. TA-Lib has no gap handling: its ADX keeps emitting numbers computed through
the NaN instead of marking the gap.
ADX follows TA-Lib exactly, including its quirks: the DM/TR Wilder sums are seeded with the first
window-1 moves, and a bar whose DX is undefined (zero range or zero DI sum) leaves ADX unchanged.
Supertrend (no TA-Lib equivalent): bands hl2 -/+ multiplier * ATR(window) (Wilder, TA-Lib seed);
the upper band only falls and the lower band only rises unless the previous close crossed it;
the first bar with an ATR starts in a downtrend (line = upper band), the trend flips up when the
close rises above the upper band and down when it falls below the lower band.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import rma_into
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.volatility import true_range


@njit(cache=True)
def _directional_moves(high: np.ndarray, low: np.ndarray, ranges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """+DM and -DM per bar (TA-Lib rule: only the larger positive move counts); NaN where TR is."""
    n = high.shape[0]
    plus = np.zeros(n)
    minus = np.zeros(n)
    for i in range(n):
        if math.isnan(ranges[i]):
            plus[i] = np.nan
            minus[i] = np.nan
            continue
        up = high[i] - high[i - 1]
        down = low[i - 1] - low[i]
        if down > 0.0 and up < down:
            minus[i] = down
        elif up > 0.0 and up > down:
            plus[i] = up
    return plus, minus


@njit(cache=True)
def _dx(plus_dm: float, minus_dm: float, range_sum: float) -> float:
    """Directional index in percent, NaN when undefined."""
    if range_sum == 0.0:
        return np.nan
    minus_di = 100.0 * (minus_dm / range_sum)
    plus_di = 100.0 * (plus_dm / range_sum)
    di_sum = minus_di + plus_di
    return 100.0 * (abs(minus_di - plus_di) / di_sum) if di_sum != 0.0 else np.nan


@njit(cache=True)
def _adx_into(ranges: np.ndarray, plus_dm: np.ndarray, minus_dm: np.ndarray, window: int, out: np.ndarray) -> None:
    plus = minus = range_sum = dx_sum = adx_value = 0.0
    run = 0
    for i in range(ranges.shape[0]):
        out[i] = np.nan
        if math.isnan(ranges[i]):
            run = 0
            continue
        run += 1
        if run == 1:
            plus = minus = range_sum = dx_sum = 0.0
        if run < window:
            plus += plus_dm[i]
            minus += minus_dm[i]
            range_sum += ranges[i]
            continue
        plus = plus - plus / window + plus_dm[i]
        minus = minus - minus / window + minus_dm[i]
        range_sum = range_sum - range_sum / window + ranges[i]
        dx = _dx(plus, minus, range_sum)
        if run < 2 * window:
            if not math.isnan(dx):
                dx_sum += dx
            if run == 2 * window - 1:
                adx_value = dx_sum / window
                out[i] = adx_value
            continue
        if not math.isnan(dx):
            adx_value = (adx_value * (window - 1) + dx) / window
        out[i] = adx_value


@njit(cache=True, parallel=True, nogil=True)
def adx(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Average directional index (TA-Lib ADX); first value on bar 2 * window - 1."""
    ranges = true_range(high, low, close)
    plus_dm, minus_dm = _directional_moves(high, low, ranges)
    out = np.empty((window.shape[0], close.shape[0]))
    for j in prange(window.shape[0]):
        _adx_into(ranges, plus_dm, minus_dm, window[j], out[j])
    return out


@njit(cache=True)
def _supertrend_into(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    atr_values: np.ndarray,
    multiplier: float,
    out: np.ndarray,
) -> None:
    upper = lower = 0.0
    up_trend = False
    started = False
    for i in range(close.shape[0]):
        if math.isnan(atr_values[i]):
            out[i] = np.nan
            started = False
            continue
        mid = (high[i] + low[i]) / 2.0
        basic_upper = mid + multiplier * atr_values[i]
        basic_lower = mid - multiplier * atr_values[i]
        if not started:
            upper, lower, up_trend, started = basic_upper, basic_lower, False, True
        else:
            if basic_upper < upper or close[i - 1] > upper:
                upper = basic_upper
            if basic_lower > lower or close[i - 1] < lower:
                lower = basic_lower
            up_trend = close[i] >= lower if up_trend else close[i] > upper
        out[i] = lower if up_trend else upper


@njit(cache=True, parallel=True, nogil=True)
def supertrend(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray, multiplier: np.ndarray
) -> np.ndarray:
    """Supertrend line: the trailing band on the side of the current trend."""
    ranges = true_range(high, low, close)
    n = close.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        atr_values = np.empty(n)
        rma_into(ranges, window[j], atr_values)
        _supertrend_into(high, low, close, atr_values, multiplier[j], out[j])
    return out
