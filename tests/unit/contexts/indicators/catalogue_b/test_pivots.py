"""Pivots are known only `right` bars after the pivot bar: goldens for the confirmation lag, plateaus
and outside bars, and every event equals the one computed on the series cut right after it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.indicators.kernels.kernel_checks import ints, make_bars
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.structure import pivots

NAN = np.nan


def events(high: list[float], low: list[float], left: int, right: int) -> list[float]:
    return pivots(np.array(high), np.array(low), ints(left), ints(right))[0].tolist()


def test_pivot_high_is_reported_right_bars_later() -> None:
    high = [1.0, 2.0, 5.0, 3.0, 4.0, 2.0]
    low = [0.0, 1.0, 1.5, 2.0, 2.5, 1.0]
    # high 5 at bar 2 is a pivot for left = 2, right = 2, known at bar 4; bar 4's high 4 is not a
    # pivot for right = 1 at bar 5 because left = 2 includes the 5 before it
    np.testing.assert_array_equal(events(high, low, 2, 2), [NAN, NAN, NAN, NAN, -1.0, 0.0])
    np.testing.assert_array_equal(events(high, low, 2, 1), [NAN, NAN, NAN, -1.0, 0.0, 0.0])


def test_plateau_gives_one_pivot_on_its_first_bar_and_outside_bars_cancel() -> None:
    high = [1.0, 3.0, 3.0, 1.0, 1.0]
    low = [0.5, 0.6, 0.7, 0.8, 0.9]
    np.testing.assert_array_equal(events(high, low, 1, 1), [NAN, NAN, -1.0, 0.0, 0.0])
    outside_high = [2.0, 5.0, 2.0]
    outside_low = [1.0, 0.0, 1.0]  # bar 1 is both the pivot high and the pivot low
    np.testing.assert_array_equal(events(outside_high, outside_low, 1, 1), [NAN, NAN, 0.0])


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31), left=st.integers(1, 6), right=st.integers(1, 6))
def test_each_event_is_final_when_first_reported(seed: int, left: int, right: int) -> None:
    """The value at t computed on bars[: t + 1] equals the value at t on the whole series."""
    bars = make_bars(80, seed)
    whole = pivots(bars.high, bars.low, ints(left), ints(right))[0]
    for t in range(bars.high.shape[0]):
        cut = pivots(bars.high[: t + 1].copy(), bars.low[: t + 1].copy(), ints(left), ints(right))[0]
        np.testing.assert_array_equal(cut[t], whole[t])
