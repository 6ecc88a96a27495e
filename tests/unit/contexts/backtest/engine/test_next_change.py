"""`next_change` (the metric pass's skip over bars where the signal stays as it was) finds exactly the
bar a plain scan finds, for any start, end and byte alignment of the row, and whichever signal value
the stretch holds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from trading.contexts.backtest.application.services.close_fill_engine import SCAN_BLOCK_BARS, next_change


@njit(cache=True)
def _next_change(signal: np.ndarray, t: int, end: int, value: int) -> int:
    return next_change(signal, t, end, value)


def plain_scan(signal: np.ndarray, t: int, end: int, value: int) -> int:
    while t < end and signal[t] == value:
        t += 1
    return t


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n_bars=st.integers(min_value=0, max_value=6 * SCAN_BLOCK_BARS),
    offset=st.integers(min_value=0, max_value=7),
    value=st.sampled_from([-1, 0, 1]),
    data=st.data(),
)
def test_next_change_finds_the_bar_a_plain_scan_finds(
    seed: int, n_bars: int, offset: int, value: int, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    # Long runs of `value` broken by a few other values, so whole blocks are skipped and the change can
    # sit anywhere in a block; `offset` moves the row off 8-byte alignment.
    backing = np.full(n_bars + offset, value, dtype=np.int8)
    changes = rng.integers(0, n_bars + offset, size=int(rng.integers(0, 4))) if n_bars + offset else []
    backing[changes] = rng.choice([v for v in (-1, 0, 1) if v != value], size=len(changes))
    signal = backing[offset:]
    t = data.draw(st.integers(min_value=0, max_value=n_bars))
    end = data.draw(st.integers(min_value=t, max_value=n_bars))
    assert _next_change(signal, t, end, value) == plain_scan(signal, t, end, value)


def test_a_change_in_the_last_bar_of_a_block_and_in_the_tail_are_found() -> None:
    signal = np.zeros(3 * SCAN_BLOCK_BARS + 5, dtype=np.int8)
    signal[2 * SCAN_BLOCK_BARS - 1] = 1
    assert _next_change(signal, 0, signal.shape[0], 0) == 2 * SCAN_BLOCK_BARS - 1
    signal[2 * SCAN_BLOCK_BARS - 1] = 0
    signal[-1] = -1
    assert _next_change(signal, 0, signal.shape[0], 0) == signal.shape[0] - 1
    assert _next_change(signal, 0, signal.shape[0] - 1, 0) == signal.shape[0] - 1
    assert _next_change(signal, 3, 3, 0) == 3
