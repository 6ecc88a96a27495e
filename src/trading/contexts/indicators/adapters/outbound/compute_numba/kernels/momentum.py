"""Momentum kernels: rsi, roc, macd (line), cci, stoch (%K).

NaN policy: a bar is missing when any input the kernel reads is NaN. Output is NaN until enough
valid history; every window touching a missing bar is NaN; after a gap the recursive indicators
(rsi, macd) restart their SMA seeds as if the series began at the first bar after the gap.
TA-Lib has no gap handling: its cci recomputes each window and agrees with ours; its roc reads
only the window's two end points (a NaN strictly inside still gives a number, ours is NaN); its
macd and stoch stay NaN for the rest of the series and its rsi reports 0 from the gap on.
Degenerate cases follow TA-Lib's conventions: rsi is 100 with no losses and 0 on a flat window
(no gains and no losses); cci is 0 when the distance to the mean or the mean deviation is rounding
residue (`negligible` against the window mean); fast %K is 0 when highest - lowest is.
Deliberate differences from TA-Lib:
- roc on a zero base is NaN (TA-Lib returns 0);
- macd with fast > slow is EMA(fast) - EMA(slow) as asked (TA-Lib silently swaps the periods);
- the macd line is published from bar max(fast, slow) - 1 instead of being NaN-padded until the
  signal line exists (equal to TA-Lib MACD with signalperiod=1);
- rsi with window 1 is 100 / 0 / 0 by the sign of the move (TA-Lib copies the input).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels._rolling import (
    masked_bars,
    negligible,
    rolling_extreme_into,
    run_lengths,
    typical_price,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import (
    ema_into,
    sma_into,
)

CCI_SCALE = 0.015


@njit(cache=True)
def _rsi_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    """One pass: up/down moves, their Wilder averages (SMA seed over the first `window` moves, restarted
    after a gap) and the ratio, with the same operations as two `rma_into` passes over the moves."""
    alpha = 1.0 / window
    run = 0
    seed_gain = 0.0
    seed_loss = 0.0
    avg_gain = 0.0
    avg_loss = 0.0
    out[:1] = np.nan
    for i in range(1, x.shape[0]):
        move = x[i] - x[i - 1]
        if math.isnan(move):
            run = 0
            seed_gain = 0.0
            seed_loss = 0.0
            out[i] = np.nan
            continue
        gain = max(move, 0.0)
        loss = max(-move, 0.0)
        run += 1
        if run < window:
            seed_gain += gain
            seed_loss += loss
            out[i] = np.nan
            continue
        if run == window:
            avg_gain = (seed_gain + gain) / window
            avg_loss = (seed_loss + loss) / window
        else:
            avg_gain = (gain - avg_gain) * alpha + avg_gain
            avg_loss = (loss - avg_loss) * alpha + avg_loss
        total = avg_gain + avg_loss
        out[i] = 100.0 * (avg_gain / total) if total != 0.0 else 0.0


@njit(cache=True, parallel=True, nogil=True)
def rsi(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Wilder RSI seeded with plain averages of the first `window` moves (TA-Lib RSI)."""
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        _rsi_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def roc(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Rate of change in percent: (x / x[t - window] - 1) * 100."""
    n = src_rows.shape[1]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        src = src_rows[src_idx[j]]
        runs = run_lengths(src)
        w = window[j]
        for i in range(n):
            base = src[i - w] if runs[i] > w else 0.0
            out[j, i] = (src[i] / base - 1.0) * 100.0 if base != 0.0 else np.nan
    return out


@njit(cache=True, parallel=True, nogil=True)
def macd(src_rows: np.ndarray, src_idx: np.ndarray, fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """EMA(fast) - EMA(slow); like TA-Lib both EMAs get their SMA seed on the same bar, so the
    shorter one is seeded from the last bars of the longer one's seed window."""
    n = src_rows.shape[1]
    out = np.empty((fast.shape[0], n))
    for j in prange(fast.shape[0]):
        src = src_rows[src_idx[j]]
        lead = abs(slow[j] - fast[j])
        runs = run_lengths(src)
        late = src.copy()
        for i in range(n):
            if runs[i] <= lead:
                late[i] = np.nan
        fast_ema = np.empty(n)
        ema_into(late if fast[j] < slow[j] else src, fast[j], fast_ema)
        ema_into(src if fast[j] < slow[j] else late, slow[j], out[j])
        for i in range(n):
            out[j, i] = fast_ema[i] - out[j, i]
    return out


@njit(cache=True, parallel=True, nogil=True)
def cci(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: np.ndarray) -> np.ndarray:
    """(tp - SMA(tp)) / (0.015 * mean absolute deviation), tp = (h + l + c) / 3; O(window) per bar."""
    tp = typical_price(high, low, close)
    runs = run_lengths(tp)
    n = tp.shape[0]
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        w = window[j]
        for i in range(n):
            if runs[i] < w:
                out[j, i] = np.nan
                continue
            total = 0.0
            for m in range(i - w + 1, i + 1):
                total += tp[m]
            mean = total / w
            deviation = 0.0
            for m in range(i - w + 1, i + 1):
                deviation += abs(tp[m] - mean)
            deviation /= w
            distance = tp[i] - mean
            if negligible(distance, abs(mean)) or negligible(deviation, abs(mean)):
                out[j, i] = 0.0
            else:
                out[j, i] = distance / (CCI_SCALE * deviation)
    return out


@njit(cache=True, parallel=True, nogil=True)
def stoch(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, k_window: np.ndarray, smooth_k: np.ndarray
) -> np.ndarray:
    """Slow %K: SMA(smooth_k) of fast %K over `k_window` bars (TA-Lib STOCH slowk, SMA type)."""
    valid = ~(np.isnan(high) | np.isnan(low) | np.isnan(close))
    highs = masked_bars(high, valid)
    lows = masked_bars(low, valid)
    n = close.shape[0]
    out = np.empty((k_window.shape[0], n))
    for j in prange(k_window.shape[0]):
        highest = np.empty(n)
        lowest = np.empty(n)
        rolling_extreme_into(highs, k_window[j], 1.0, highest)
        rolling_extreme_into(lows, k_window[j], -1.0, lowest)
        fast_k = np.empty(n)
        for i in range(n):
            span = highest[i] - lowest[i]
            if negligible(span, abs(highest[i]) + abs(lowest[i])):
                fast_k[i] = 0.0
            else:
                fast_k[i] = (close[i] - lowest[i]) / (span / 100.0)
        sma_into(fast_k, smooth_k[j], out[j])
    return out
