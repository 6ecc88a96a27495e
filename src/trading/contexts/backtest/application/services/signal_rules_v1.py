"""Numba kernels of the signal rule families: int8 rows of LONG (+1), SHORT (-1), NEUTRAL (0).

Every comparison with NaN is false, so a NaN input at t gives NEUTRAL without a special case;
a lag reaching before bar 0 gives NEUTRAL too. Row r of a parameterised rule belongs to indicator
variant r // s and signal combination r % s (variant major, signal minor).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import moving_average_into


@njit(cache=True, nogil=True)
def price_side_into(price: np.ndarray, line: np.ndarray, out: np.ndarray) -> None:
    """LONG if price > line, SHORT if price < line."""
    for t in range(out.shape[0]):
        out[t] = np.int8(price[t] > line[t]) - np.int8(price[t] < line[t])


@njit(cache=True, parallel=True, nogil=True)
def compare_price_rows(primary: np.ndarray, price_rows: np.ndarray, price_idx: np.ndarray) -> np.ndarray:
    """LONG if price > primary, SHORT if price < primary."""
    v, n = primary.shape
    out = np.empty((v, n), dtype=np.int8)
    for j in prange(v):
        price_side_into(price_rows[price_idx[j]], primary[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def price_side_of_average_rows(
    kind: int, src_rows: np.ndarray, src_idx: np.ndarray, window: np.ndarray, threads: int, out: np.ndarray
) -> None:
    """out[j] = compare_price_rows' row j over the last out.shape[1] bars, for the `kind` moving average of
    each variant's source against that source, without the [v, n] tensor: each of `threads` (numba's
    count; asking it here would keep the kernel out of the cache) computes its variants' averages one
    at a time into its own row, thread k taking variants k, k + threads, ... (every row costs the same)."""
    v, n = window.shape[0], src_rows.shape[1]
    start = n - out.shape[1]
    for k in prange(threads):
        line = np.empty(n)
        for j in range(k, v, threads):
            source = src_rows[src_idx[j]]
            moving_average_into(kind, source, window[j], line)
            price_side_into(source[start:], line[start:], out[j])


@njit(cache=True, parallel=True, nogil=True)
def sign_rows(primary: np.ndarray) -> np.ndarray:
    v, n = primary.shape
    out = np.empty((v, n), dtype=np.int8)
    for j in prange(v):
        for t in range(n):
            out[j, t] = np.int8(primary[j, t] > 0.0) - np.int8(primary[j, t] < 0.0)
    return out


@njit(cache=True, parallel=True, nogil=True)
def threshold_band_rows(primary: np.ndarray, long_threshold: np.ndarray, short_threshold: np.ndarray) -> np.ndarray:
    """long < short: mean reversion (LONG at or below long, SHORT at or above short);
    long > short: trend following (LONG at or above long, SHORT at or below short).
    With long != short the two conditions never hold together, so LONG - SHORT is the signal."""
    v, n = primary.shape
    s = long_threshold.shape[0]
    out = np.empty((v * s, n), dtype=np.int8)
    for r in prange(v * s):
        row = primary[r // s]
        low = long_threshold[r % s]
        high = short_threshold[r % s]
        if low <= high:
            for t in range(n):
                out[r, t] = np.int8(row[t] <= low) - np.int8(row[t] >= high)
        else:
            for t in range(n):
                out[r, t] = np.int8(row[t] >= low) - np.int8(row[t] <= high)
    return out


@njit(cache=True, parallel=True, nogil=True)
def delta_sign_rows(primary: np.ndarray, n_long: np.ndarray, n_short: np.ndarray) -> np.ndarray:
    """LONG if x[t] - x[t - n_long] > 0, SHORT if x[t] - x[t - n_short] < 0; both -> NEUTRAL,
    which is exactly rising - falling."""
    v, n = primary.shape
    s = n_long.shape[0]
    out = np.empty((v * s, n), dtype=np.int8)
    for r in prange(v * s):
        row = primary[r // s]
        lag_long = n_long[r % s]
        lag_short = n_short[r % s]
        for t in range(n):
            rising = t >= lag_long and row[t] - row[t - lag_long] > 0.0
            falling = t >= lag_short and row[t] - row[t - lag_short] < 0.0
            out[r, t] = np.int8(rising) - np.int8(falling)
    return out


@njit(cache=True, nogil=True)
def and_into(out: np.ndarray, rows_per_indicator: Sequence[np.ndarray], picks: np.ndarray) -> None:
    """`out` = the AND of row `picks[i]` of every indicator i. The first two rows are combined in one pass
    (about 4x faster on 1m-bar rows than copying the first row and ANDing into the copy)."""
    first = rows_per_indicator[0][picks[0]]
    if picks.shape[0] == 1:
        out[:] = first
        return
    second = rows_per_indicator[1][picks[1]]
    for t in range(out.shape[0]):
        out[t] = first[t] * np.int8(first[t] == second[t])
    for i in range(2, picks.shape[0]):
        row = rows_per_indicator[i][picks[i]]
        for t in range(out.shape[0]):
            out[t] = out[t] * np.int8(out[t] == row[t])


@njit(cache=True, parallel=True, nogil=True)
def combine_and_rows(rows_per_indicator: Sequence[np.ndarray], picks: np.ndarray) -> np.ndarray:
    """Row b = AND of rows_per_indicator[i][picks[b, i]]: kept where all agree, NEUTRAL elsewhere."""
    out = np.empty((picks.shape[0], rows_per_indicator[0].shape[1]), dtype=np.int8)
    for r in prange(picks.shape[0]):
        and_into(out[r], rows_per_indicator, picks[r])
    return out


@njit(cache=True, parallel=True, nogil=True)
def threshold_centered_rows(primary: np.ndarray, abs_threshold: np.ndarray) -> np.ndarray:
    """LONG if primary > 1 + abs_threshold, SHORT if primary < 1 - abs_threshold (strict)."""
    v, n = primary.shape
    s = abs_threshold.shape[0]
    out = np.empty((v * s, n), dtype=np.int8)
    for r in prange(v * s):
        row = primary[r // s]
        above = 1.0 + abs_threshold[r % s]
        below = 1.0 - abs_threshold[r % s]
        for t in range(n):
            out[r, t] = np.int8(row[t] > above) - np.int8(row[t] < below)
    return out


@njit(cache=True, parallel=True, nogil=True)
def compare_volume_rows(primary: np.ndarray, volume: np.ndarray, open_: np.ndarray, close: np.ndarray) -> np.ndarray:
    """Volume above its average confirms the candle: LONG if volume > primary and close > open,
    SHORT if volume > primary and close < open."""
    v, n = primary.shape
    out = np.empty((v, n), dtype=np.int8)
    for j in prange(v):
        for t in range(n):
            heavy = volume[t] > primary[j, t]
            out[j, t] = np.int8(heavy and close[t] > open_[t]) - np.int8(heavy and close[t] < open_[t])
    return out


@njit(cache=True, parallel=True, nogil=True)
def pivot_event_rows(primary: np.ndarray, hold: np.ndarray) -> np.ndarray:
    """Event series (+1 pivot low confirmed, -1 pivot high confirmed): the latest event's side is
    held for `hold` bars including the event bar; a NaN bar is NEUTRAL and forgets the event."""
    v, n = primary.shape
    s = hold.shape[0]
    out = np.empty((v * s, n), dtype=np.int8)
    for r in prange(v * s):
        row = primary[r // s]
        bars = hold[r % s]
        side = np.int8(0)
        age = bars
        for t in range(n):
            if row[t] > 0.0 or row[t] < 0.0:
                side = np.int8(row[t] > 0.0) - np.int8(row[t] < 0.0)
                age = 0
            elif row[t] != row[t]:
                age = bars
            out[r, t] = side if age < bars else np.int8(0)
            age += 1
    return out


@njit(cache=True, parallel=True, nogil=True)
def candle_direction_rows(primary: np.ndarray, min_body: np.ndarray) -> np.ndarray:
    """Signed body / range: LONG if primary > min_body, SHORT if primary < -min_body (strict)."""
    v, n = primary.shape
    s = min_body.shape[0]
    out = np.empty((v * s, n), dtype=np.int8)
    for r in prange(v * s):
        row = primary[r // s]
        size = min_body[r % s]
        for t in range(n):
            out[r, t] = np.int8(row[t] > size) - np.int8(row[t] < -size)
    return out


@njit(cache=True, parallel=True, nogil=True)
def cross_rows(first: np.ndarray, second: np.ndarray, first_idx: np.ndarray, second_idx: np.ndarray) -> np.ndarray:
    """Row r compares first[first_idx[r]] with second[second_idx[r]]: NEUTRAL until their first crossing
    (the side strictly flips from one bar to the next), then LONG while first > second, SHORT while
    below, NEUTRAL on equality or NaN. A position is thus opened by a crossing, never by the series
    starting with one line above the other."""
    b = first_idx.shape[0]
    n = first.shape[1]
    out = np.empty((b, n), dtype=np.int8)
    for r in prange(b):
        above = first[first_idx[r]]
        below = second[second_idx[r]]
        crossed = False
        previous = np.int8(0)
        for t in range(n):
            side = np.int8(above[t] > below[t]) - np.int8(above[t] < below[t])
            if not crossed and side != 0 and previous == -side:
                crossed = True
            out[r, t] = side if crossed else np.int8(0)
            previous = side
    return out
