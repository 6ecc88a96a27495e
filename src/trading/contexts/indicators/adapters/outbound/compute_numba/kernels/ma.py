"""Moving-average kernels (sma, ema, wma, rma, dema, tema, hma, zlema, vwma) and their 1-D helpers.

NaN policy: output is NaN until `window` valid inputs have been seen; a NaN input resets the run, so
every window that contains a NaN is NaN and, after a NaN gap, the recursive averages (ema, rma and
everything built on them) restart with a fresh SMA seed over the first `window` valid bars.
Rolling sums are recomputed exactly once per `window` steps, so drift stays at rounding level on
any length of series at O(1) amortised cost per bar.
zlema has no TA-Lib counterpart: EMA(window) of 2 * x - x[t - lag], lag = (window - 1) // 2, so it
needs `lag` valid bars before the EMA seed starts. vwma = sum(x * volume) / sum(volume) over
`window` bars; a bar is missing when the source or the volume is NaN, and a window whose volume is
all zero is NaN (0 / 0).

The `*_into(x, window, out)` helpers work on one row and are public so other kernel modules
(RSI/ATR Wilder smoothing, MACD EMAs, Bollinger basis) reuse them instead of re-implementing them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True)
def sma_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    """The resync sum of bars i - window + 1 .. i is summed as those bars stream by (`fresh`, from 0.0 in
    bar order, as a separate loop over them would), so its additions run beside the rolling ones instead
    of after them: the same values bit for bit, ~1.45x faster."""
    total = 0.0
    fresh = 0.0
    run = 0
    since_resync = 0
    for i in range(x.shape[0]):
        value = x[i]
        if math.isnan(value):
            run = 0
            total = 0.0
            out[i] = np.nan
            continue
        if run < window:
            run += 1
            total += value
            since_resync = 0
            fresh = 0.0
            out[i] = total / window if run == window else np.nan
            continue
        since_resync += 1
        fresh += value
        if since_resync == window:
            since_resync = 0
            total = fresh
            fresh = 0.0
        else:
            total += value - x[i - window]
        out[i] = total / window


@njit(cache=True)
def ema_like_into(x: np.ndarray, window: int, alpha: float, out: np.ndarray) -> None:
    """Seeded with the SMA of the first `window` valid values, then prev + alpha * (x - prev)."""
    seed_total = 0.0
    prev = 0.0
    run = 0
    for i in range(x.shape[0]):
        value = x[i]
        if math.isnan(value):
            run = 0
            seed_total = 0.0
            out[i] = np.nan
            continue
        run += 1
        if run < window:
            seed_total += value
            out[i] = np.nan
        elif run == window:
            prev = (seed_total + value) / window
            out[i] = prev
        else:
            prev = (value - prev) * alpha + prev
            out[i] = prev


@njit(cache=True)
def ema_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    ema_like_into(x, window, 2.0 / (window + 1.0), out)


@njit(cache=True)
def rma_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    """Wilder smoothing: alpha = 1 / window."""
    ema_like_into(x, window, 1.0 / window, out)


@njit(cache=True)
def wma_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    """Linear weights 1..window, newest heaviest; weighted sum updated as ws += window * x - sum."""
    divider = window * (window + 1) / 2.0
    plain = 0.0
    weighted = 0.0
    run = 0
    since_resync = 0
    for i in range(x.shape[0]):
        value = x[i]
        if math.isnan(value):
            run = 0
            plain = 0.0
            weighted = 0.0
            out[i] = np.nan
            continue
        if run < window:
            run += 1
            plain += value
            weighted += run * value
            since_resync = 0
            out[i] = weighted / divider if run == window else np.nan
            continue
        since_resync += 1
        if since_resync == window:
            since_resync = 0
            plain = 0.0
            weighted = 0.0
            for k in range(window):
                plain += x[i - window + 1 + k]
                weighted += (k + 1) * x[i - window + 1 + k]
        else:
            weighted += window * value - plain
            plain += value - x[i - window]
        out[i] = weighted / divider


@njit(cache=True)
def dema_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    first = np.empty(x.shape[0])
    ema_into(x, window, first)
    ema_into(first, window, out)
    for i in range(x.shape[0]):
        out[i] = 2.0 * first[i] - out[i]


@njit(cache=True)
def tema_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    first = np.empty(x.shape[0])
    second = np.empty(x.shape[0])
    ema_into(x, window, first)
    ema_into(first, window, second)
    ema_into(second, window, out)
    for i in range(x.shape[0]):
        out[i] = 3.0 * first[i] - 3.0 * second[i] + out[i]


@njit(cache=True)
def hma_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    """WMA(2 * WMA(x, window // 2) - WMA(x, window), floor(sqrt(window)))."""
    half = np.empty(x.shape[0])
    full = np.empty(x.shape[0])
    wma_into(x, max(window // 2, 1), half)
    wma_into(x, window, full)
    for i in range(x.shape[0]):
        half[i] = 2.0 * half[i] - full[i]
    wma_into(half, max(int(math.sqrt(window)), 1), out)


@njit(cache=True, parallel=True, nogil=True)
def sma(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        sma_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def ema(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        ema_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def wma(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        wma_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def rma(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        rma_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def dema(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        dema_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def tema(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        tema_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def hma(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        hma_into(src_rows[src_idx[j]], window[j], out[j])
    return out


@njit(cache=True)
def zlema_into(x: np.ndarray, window: int, out: np.ndarray) -> None:
    """EMA of the de-lagged series 2 * x[t] - x[t - lag]; NaN while x[t - lag] is missing."""
    lag = (window - 1) // 2
    delagged = np.empty(x.shape[0])
    run = 0
    for i in range(x.shape[0]):
        run = 0 if math.isnan(x[i]) else run + 1
        delagged[i] = 2.0 * x[i] - x[i - lag] if run > lag else np.nan
    ema_into(delagged, window, out)


@njit(cache=True, parallel=True, nogil=True)
def zlema(src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.empty((window.shape[0], src_rows.shape[1]))
    for j in prange(window.shape[0]):
        zlema_into(src_rows[src_idx[j]], window[j], out[j])
    return out


# Kinds of `moving_average_into`, the one-row kernels of the source + window moving averages.
SMA, EMA, WMA, RMA, DEMA, TEMA, HMA, ZLEMA = range(8)


@njit(cache=True)
def moving_average_into(kind: int, x: np.ndarray, window: int, out: np.ndarray) -> None:
    """The `kind` moving average of one row: lets a kernel that works a variant at a time pick the
    average by a number (numba cannot cache a kernel that takes a function as an argument)."""
    if kind == SMA:
        sma_into(x, window, out)
    elif kind == EMA:
        ema_into(x, window, out)
    elif kind == WMA:
        wma_into(x, window, out)
    elif kind == RMA:
        rma_into(x, window, out)
    elif kind == DEMA:
        dema_into(x, window, out)
    elif kind == TEMA:
        tema_into(x, window, out)
    elif kind == HMA:
        hma_into(x, window, out)
    elif kind == ZLEMA:
        zlema_into(x, window, out)
    else:
        raise ValueError("unknown moving average kind")


@njit(cache=True)
def _volume_weights(x: np.ndarray, volume: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x * volume, volume, 1 where volume != 0), each NaN where x or volume is missing."""
    n = x.shape[0]
    weighted = np.empty(n)
    weights = np.empty(n)
    traded = np.empty(n)
    for i in range(n):
        if math.isnan(x[i]) or math.isnan(volume[i]):
            weighted[i] = weights[i] = traded[i] = np.nan
        else:
            weighted[i] = x[i] * volume[i]
            weights[i] = volume[i]
            traded[i] = 1.0 if volume[i] != 0.0 else 0.0
    return weighted, weights, traded


@njit(cache=True, parallel=True, nogil=True)
def vwma(src_rows: np.ndarray, src_idx: np.ndarray, volume: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Ratio of the rolling means of x * volume and volume; the count of traded bars (exact, unlike
    a rolling volume sum that may keep residue) decides the all-zero-volume case."""
    n = src_rows.shape[1]
    k = src_rows.shape[0]
    weighted = np.empty((k, n))
    weights = np.empty((k, n))
    traded = np.empty((k, n))
    for r in range(k):
        weighted[r], weights[r], traded[r] = _volume_weights(src_rows[r], volume)
    out = np.empty((window.shape[0], n))
    for j in prange(window.shape[0]):
        row = src_idx[j]
        mean_weight = np.empty(n)
        mean_traded = np.empty(n)
        sma_into(weighted[row], window[j], out[j])
        sma_into(weights[row], window[j], mean_weight)
        sma_into(traded[row], window[j], mean_traded)
        for i in range(n):
            out[j, i] = out[j, i] / mean_weight[i] if mean_traded[i] > 0.0 else np.nan
    return out
