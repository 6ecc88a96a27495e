"""Oscillator kernels: williams_r, stoch_rsi (%K), ppo, trix, fisher.

NaN policy: a bar is missing when any input the kernel reads is NaN. Output is NaN until enough
valid history and on every window touching a missing bar; after a gap the recursive indicators
(stoch_rsi's RSI, ppo and trix EMAs, fisher) restart as if the series began after the gap. TA-Lib
has no gap handling (it stays NaN, or for RSI reports 0, from the gap on).
Definitions and degenerate cases:
- williams_r is TA-Lib WILLR, stoch_rsi TA-Lib STOCHRSI fastk (fastd not computed); both are 0
  when highest - lowest is rounding residue (`negligible`), as TA-Lib gives 0 for a zero range;
- ppo is TA-Lib PPO with EMAs (matype=1), each EMA seeded independently; the periods are used
  as given (TA-Lib swaps them when slow < fast); NaN on a zero slow EMA (TA-Lib 0);
- trix is TA-Lib TRIX: one-bar rate of change in percent of a triple EMA; NaN on a zero base
  (TA-Lib 0);
- fisher has no TA-Lib counterpart: Ehlers' transform of the midpoint (high + low) / 2 over
  `window` bars: v = 0.66 * (position in the window's range - 0.5) + 0.67 * v[t-1], clamped to
  +-0.999 beyond +-0.99, fisher = 0.5 * ln((1 + v) / (1 - v)) + 0.5 * fisher[t-1], both recursions
  starting from 0 at the first full window. Exception to the division-by-zero rule: a flat window
  (range rounding residue) counts as the middle of its range, so the recursion carries on.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import (
    masked_bars,
    negligible,
    rolling_extreme_into,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import ema_into
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.momentum import rsi

PERCENT = 100.0
FISHER_GAIN = 0.66
FISHER_MEMORY = 0.67
FISHER_LIMIT = 0.99
FISHER_CLAMP = 0.999


@njit(cache=True)
def _flat(highest: float, lowest: float) -> bool:
    return negligible(highest - lowest, abs(highest) + abs(lowest))


@njit(cache=True)
def _extremes(high: np.ndarray, low: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    highest = np.empty(high.shape[0])
    lowest = np.empty(high.shape[0])
    rolling_extreme_into(high, window, 1.0, highest)
    rolling_extreme_into(low, window, -1.0, lowest)
    return highest, lowest


@njit(cache=True, parallel=True, nogil=True)
def williams_r(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray) -> np.ndarray:
    """-100 * (highest - close) / (highest - lowest) over `window` bars, in TA-Lib's operation order."""
    valid = ~(np.isnan(high) | np.isnan(low) | np.isnan(close))
    highs = masked_bars(high, valid)
    lows = masked_bars(low, valid)
    n = close.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        highest, lowest = _extremes(highs, lows, window[j])
        for i in range(n):
            if math.isnan(highest[i]) or math.isnan(lowest[i]):
                out[j, i] = np.nan
            elif _flat(highest[i], lowest[i]):
                out[j, i] = 0.0
            else:
                out[j, i] = (highest[i] - close[i]) / ((highest[i] - lowest[i]) / -PERCENT)
    return out


@njit(cache=True, parallel=True, nogil=True)
def _stochastic_of_rows(rows: np.ndarray, row_idx: np.ndarray, k_window: np.ndarray) -> np.ndarray:
    """Fast %K of each variant's row against its own trailing `k_window` range (TA-Lib STOCHF)."""
    n = rows.shape[1]
    out = np.empty((k_window.shape[0], n))
    for j in prange(k_window.shape[0]):
        row = rows[row_idx[j]]
        highest, lowest = _extremes(row, row, k_window[j])
        for i in range(n):
            if math.isnan(highest[i]) or math.isnan(lowest[i]):
                out[j, i] = np.nan
            elif _flat(highest[i], lowest[i]):
                out[j, i] = 0.0
            else:
                out[j, i] = (row[i] - lowest[i]) / ((highest[i] - lowest[i]) / PERCENT)
    return out


def stoch_rsi(src_rows: np.ndarray, src_idx: np.ndarray, rsi_window: np.ndarray, k_window: np.ndarray) -> np.ndarray:
    """Each distinct (source, rsi_window) RSI is computed once, then every variant takes its %K."""
    pairs = np.stack((src_idx, rsi_window), axis=1)
    distinct, row_idx = np.unique(pairs, axis=0, return_inverse=True)
    rsi_rows = rsi(src_rows, np.ascontiguousarray(distinct[:, 0]), np.ascontiguousarray(distinct[:, 1]))
    return _stochastic_of_rows(rsi_rows, np.ascontiguousarray(row_idx.reshape(-1), dtype=np.int64), k_window)


@njit(cache=True)
def _percent_change(value: float, base: float) -> float:
    return (value - base) / base * PERCENT if base != 0.0 else np.nan


@njit(cache=True, parallel=True, nogil=True)
def ppo(src_rows: np.ndarray, src_idx: np.ndarray, fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """(EMA(fast) - EMA(slow)) / EMA(slow) * 100; unlike MACD, TA-Lib seeds each EMA on its own
    first full window, so the value exists from bar max(fast, slow) - 1 on."""
    n = src_rows.shape[1]
    out = np.empty((fast.shape[0], n))
    for j in prange(fast.shape[0]):
        fast_ema = np.empty(n)
        ema_into(src_rows[src_idx[j]], fast[j], fast_ema)
        ema_into(src_rows[src_idx[j]], slow[j], out[j])
        for i in range(n):
            out[j, i] = _percent_change(fast_ema[i], out[j, i])
    return out


@njit(cache=True, parallel=True, nogil=True)
def trix(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """((ema3[t] / ema3[t-1]) - 1) * 100 with ema3 = EMA(EMA(EMA(x))), TA-Lib ROC's operation order."""
    n = src_rows.shape[1]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        first = np.empty(n)
        second = np.empty(n)
        triple = np.empty(n)
        ema_into(src_rows[src_idx[j]], window[j], first)
        ema_into(first, window[j], second)
        ema_into(second, window[j], triple)
        out[j, :1] = np.nan
        for i in range(1, n):
            base = triple[i - 1]
            out[j, i] = (triple[i] / base - 1.0) * PERCENT if base != 0.0 else np.nan
    return out


@njit(cache=True)
def _fisher_into(mid: np.ndarray, highest: np.ndarray, lowest: np.ndarray, out: np.ndarray) -> None:
    value = 0.0
    fish = 0.0
    for i in range(mid.shape[0]):
        if math.isnan(highest[i]) or math.isnan(lowest[i]):
            value = 0.0
            fish = 0.0
            out[i] = np.nan
            continue
        span = highest[i] - lowest[i]
        position = 0.5 if _flat(highest[i], lowest[i]) else (mid[i] - lowest[i]) / span
        value = FISHER_GAIN * (position - 0.5) + FISHER_MEMORY * value
        if value > FISHER_LIMIT:
            value = FISHER_CLAMP
        elif value < -FISHER_LIMIT:
            value = -FISHER_CLAMP
        fish = 0.5 * math.log((1.0 + value) / (1.0 - value)) + 0.5 * fish
        out[i] = fish


@njit(cache=True, parallel=True, nogil=True)
def fisher(high: np.ndarray, low: np.ndarray, window: np.ndarray) -> np.ndarray:
    mid = (high + low) / 2.0
    n = mid.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        highest, lowest = _extremes(mid, mid, window[j])
        _fisher_into(mid, highest, lowest, out[j])
    return out
