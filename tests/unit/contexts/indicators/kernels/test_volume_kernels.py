"""Volume kernels (obv, mfi) against TA-Lib, NaN policy and golden edge values."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.indicators.kernels.kernel_checks import (
    Case,
    check_any_input_nan_marks_bar_missing,
    check_batch_equals_single,
    check_gap_restart,
    check_no_lookahead,
    check_parity,
    check_tiny_inputs,
    ints,
    parity_bars,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import volume

CASES = [
    Case(
        "obv",
        lambda b: volume.obv(b.close, b.volume),
        (),
        lambda b: talib.OBV(b.close, b.volume),
        fields=("close", "volume"),
    ),
    Case(
        "mfi",
        lambda b, w: volume.mfi(b.high, b.low, b.close, b.volume, w),
        (ints(2, 3, 14, 50, 200),),
        lambda b, w: talib.MFI(b.high, b.low, b.close, b.volume, w),
        fields=("high", "low", "close", "volume"),
    ),
]
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_talib_on_100k_bars(case: Case) -> None:
    check_parity(case, parity_bars())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_nan_gap_restarts_like_a_fresh_series(case: Case) -> None:
    check_gap_restart(case, parity_bars().slice(0, 6000))


def test_mfi_batch_equals_single_variant_calls() -> None:
    check_batch_equals_single(CASES[1], parity_bars().slice(0, 3000))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_any_missing_input_marks_the_bar_missing(case: Case) -> None:
    check_any_input_nan_marks_bar_missing(case, parity_bars().slice(0, 1000))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 150), cut=st.floats(0.0, 1.0), gaps=st.integers(0, 3))
def test_values_up_to_t_ignore_later_bars(seed: int, n: int, cut: float, gaps: int) -> None:
    for case in CASES:
        check_no_lookahead(case, seed, n, cut, gaps)


def test_obv_golden_values() -> None:
    """Starts at the first volume; up adds, unchanged close adds nothing, down subtracts."""
    out = volume.obv(np.array([1.0, 2.0, 2.0, 1.0]), np.array([10.0, 20.0, 30.0, 40.0]))
    np.testing.assert_array_equal(out, [[10.0, 30.0, 30.0, -10.0]])


def test_mfi_golden_values_and_degenerate_windows() -> None:
    """Typical prices 1, 2, 1 with volume 1: flows +2 and -1, so MFI(2) = 100 * 2 / 3. A rising
    price has only positive flow (100); a flat one has none at all (0, TA-Lib's 0/0 convention)."""
    ones = np.ones(3)
    zigzag = np.array([1.0, 2.0, 1.0])
    np.testing.assert_allclose(volume.mfi(zigzag, zigzag, zigzag, ones, ints(2))[0, 2], 200.0 / 3.0, rtol=1e-15)
    rising = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(volume.mfi(rising, rising, rising, np.ones(5), ints(2))[0, 2:], [100.0] * 3)
    flat = np.full(5, 3.0)
    np.testing.assert_array_equal(volume.mfi(flat, flat, flat, np.ones(5), ints(2))[0, 2:], [0.0] * 3)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_and_single_bar_series(case: Case) -> None:
    check_tiny_inputs(case)
