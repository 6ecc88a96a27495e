"""Directional kernels: aroon (oscillator), psar, vortex (VI+), linreg_slope.

NaN policy: a bar is missing when any input the kernel reads is NaN. Output is NaN until enough
valid history and on every window touching a missing bar; psar restarts after a gap as if the
series began at the first bar after it. TA-Lib has no gap handling (its SAR and AROONOSC carry
NaN comparisons forward instead of marking the gap).
aroon, psar and linreg_slope follow TA-Lib AROONOSC, SAR and LINEARREG_SLOPE, including their tie
rules (aroon: the most recent of equal extremes counts). Vortex has no TA-Lib equivalent: VI+ =
sum(|high - previous low|) / sum(true range) over `window` moves, NaN when the range sum is 0.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import run_lengths
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import sma_into
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.volatility import true_range


@njit(cache=True)
def _latest_extreme_index(x: np.ndarray, first: int, last: int, sign: float) -> int:
    best = first
    for k in range(first + 1, last + 1):
        if sign * x[k] >= sign * x[best]:
            best = k
    return best


@njit(cache=True)
def _aroon_osc_into(high: np.ndarray, low: np.ndarray, runs: np.ndarray, window: int, out: np.ndarray) -> None:
    """Extremes over window + 1 bars; the kept index is rescanned only when it leaves the window."""
    top = bottom = -1
    for i in range(high.shape[0]):
        if runs[i] <= window:
            out[i] = np.nan
            top = bottom = -1
            continue
        first = i - window
        if top < first:
            top = _latest_extreme_index(high, first, i, 1.0)
        elif high[i] >= high[top]:
            top = i
        if bottom < first:
            bottom = _latest_extreme_index(low, first, i, -1.0)
        elif low[i] <= low[bottom]:
            bottom = i
        out[i] = (100.0 / window) * (top - bottom)


@njit(cache=True, parallel=True, nogil=True)
def aroon(high: np.ndarray, low: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Aroon oscillator = aroon up - aroon down (TA-Lib AROONOSC); first value on bar `window`."""
    runs = run_lengths(high + low)
    out = np.empty((window.shape[0], high.shape[0]))
    for j in prange(window.shape[0]):
        _aroon_osc_into(high, low, runs, window[j], out[j])
    return out


@njit(cache=True)
def _psar_into(
    high: np.ndarray, low: np.ndarray, start: int, stop: int, acceleration: float, maximum: float, out: np.ndarray
) -> None:
    """TA-Lib SAR on bars [start, stop) (all valid, stop - start >= 2); out[start] stays NaN."""
    step = min(acceleration, maximum)
    up = high[start + 1] - high[start]
    down = low[start] - low[start + 1]
    long = not (down > 0.0 and up < down)
    extreme = high[start + 1] if long else low[start + 1]
    sar = low[start] if long else high[start]
    factor = step
    new_low = low[start + 1]
    new_high = high[start + 1]
    for i in range(start + 1, stop):
        prev_low, prev_high = new_low, new_high
        new_low, new_high = low[i], high[i]
        if long and new_low <= sar:
            long = False
            sar = max(extreme, prev_high, new_high)
            out[i] = sar
            factor = step
            extreme = new_low
            sar = max(sar + factor * (extreme - sar), prev_high, new_high)
        elif not long and new_high >= sar:
            long = True
            sar = min(extreme, prev_low, new_low)
            out[i] = sar
            factor = step
            extreme = new_high
            sar = min(sar + factor * (extreme - sar), prev_low, new_low)
        else:
            out[i] = sar
            if (long and new_high > extreme) or (not long and new_low < extreme):
                extreme = new_high if long else new_low
                factor = min(factor + step, maximum)
            sar = sar + factor * (extreme - sar)
            sar = min(sar, prev_low, new_low) if long else max(sar, prev_high, new_high)


@njit(cache=True, parallel=True, nogil=True)
def psar(high: np.ndarray, low: np.ndarray, acceleration: np.ndarray, maximum: np.ndarray) -> np.ndarray:
    """Parabolic SAR (TA-Lib SAR); first value on bar 1 of every run of valid bars."""
    runs = run_lengths(high + low)
    n = high.shape[0]
    out = np.full((acceleration.shape[0], n), np.nan)
    for j in prange(acceleration.shape[0]):
        for i in range(n):
            ends_run = runs[i] > 0 and (i + 1 == n or runs[i + 1] == 0)
            if ends_run and runs[i] >= 2:
                _psar_into(high, low, i + 1 - runs[i], i + 1, acceleration[j], maximum[j], out[j])
    return out


@njit(cache=True)
def _vortex_moves(high: np.ndarray, low: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """|high - previous low| per bar; NaN wherever the true range is (first bar of a run)."""
    moves = np.empty(high.shape[0])
    for i in range(high.shape[0]):
        moves[i] = np.nan if math.isnan(ranges[i]) else abs(high[i] - low[i - 1])
    return moves


@njit(cache=True, parallel=True, nogil=True)
def vortex(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray) -> np.ndarray:
    """VI+ over `window` moves; first value on bar `window`."""
    ranges = true_range(high, low, close)
    moves = _vortex_moves(high, low, ranges)
    n = high.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        range_mean = np.empty(n)
        sma_into(moves, window[j], out[j])
        sma_into(ranges, window[j], range_mean)
        for i in range(n):
            out[j, i] = out[j, i] / range_mean[i] if range_mean[i] != 0.0 else np.nan
    return out


@njit(cache=True)
def _centered_sums(y: np.ndarray, last: int, window: int, anchor: float) -> tuple[float, float]:
    """(sum of y - anchor, sum of age * (y - anchor)); age 0 is bar `last`."""
    plain = 0.0
    weighted = 0.0
    for age in range(window):
        value = y[last - age] - anchor
        plain += value
        weighted += age * value
    return plain, weighted


@njit(cache=True)
def linreg_slope_into(y: np.ndarray, window: int, out: np.ndarray) -> None:
    """TA-Lib LINEARREG_SLOPE: least-squares slope per bar over `window` bars. Sums are taken of
    y - anchor (the slope ignores a constant shift), which removes the cancellation of raw price
    sums; they move in O(1) per bar (sum_xy += sum_y - window * oldest) and are recomputed exactly
    every `window` bars. Needs window >= 2."""
    sum_x = window * (window - 1) * 0.5
    sum_x_sq = window * (window - 1) * (2.0 * window - 1.0) / 6.0
    divisor = sum_x * sum_x - window * sum_x_sq
    runs = run_lengths(y)
    anchor = plain = weighted = 0.0
    for i in range(y.shape[0]):
        run = runs[i]
        if run < window:
            out[i] = np.nan
            continue
        if (run - window) % window == 0:
            anchor = y[i]
            plain, weighted = _centered_sums(y, i, window, anchor)
        else:
            oldest = y[i - window] - anchor
            weighted += plain - window * oldest
            plain += y[i] - anchor - oldest
        out[i] = (window * weighted - sum_x * plain) / divisor


@njit(cache=True, parallel=True, nogil=True)
def linreg_slope(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """First value on bar window - 1."""
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        linreg_slope_into(src_rows[src_idx[j]], window[j], out[j])
    return out
