"""Volatility kernels (atr, stddev, bbands %B) against TA-Lib, NaN policy and golden edge values."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.indicators.kernels.kernel_checks import (
    Bars,
    Case,
    check_any_input_nan_marks_bar_missing,
    check_batch_equals_single,
    check_gap_restart,
    check_no_lookahead,
    check_parity,
    check_tiny_inputs,
    floats,
    ints,
    parity_bars,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import volatility


def talib_percent_b(bars: Bars, src: int, window: int, nbdev: float) -> np.ndarray:
    """%B from TA-Lib BBANDS, NaN where the width is zero or rounding residue against the basis (our
    rule; TA-Lib's bands give +-inf or rounding noise there)."""
    series = bars.source_rows()[src]
    upper, middle, lower = talib.BBANDS(series, window, nbdev, nbdev, talib.MA_Type.SMA)
    width = upper - lower
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(width) <= 1e-14 * np.abs(middle), np.nan, (series - lower) / width)


CASES = [
    Case(
        "atr",
        lambda b, w: volatility.atr(b.high, b.low, b.close, w),
        (ints(1, 2, 3, 14, 50, 200),),
        lambda b, w: talib.ATR(b.high, b.low, b.close, w),
        fields=("high", "low", "close"),
    ),
    Case(
        "stddev",
        lambda b, s, w: volatility.stddev(b.source_rows(), s, w),
        (ints(0, 0, 1, 0, 1, 0), ints(2, 3, 5, 14, 50, 200)),
        lambda b, s, w: talib.STDDEV(b.source_rows()[s], w, 1.0),
    ),
    Case(
        "bbands_percent_b",
        lambda b, s, w, k: volatility.bbands_percent_b(b.source_rows(), s, w, k),
        (ints(0, 1, 0, 0, 1), ints(2, 3, 20, 20, 200), floats(2.0, 1.5, 2.0, 0.75, 3.25)),
        talib_percent_b,
    ),
]
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_talib_on_100k_bars(case: Case) -> None:
    check_parity(case, parity_bars())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_nan_gap_restarts_like_a_fresh_series(case: Case) -> None:
    check_gap_restart(case, parity_bars().slice(0, 6000))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_batch_equals_single_variant_calls(case: Case) -> None:
    check_batch_equals_single(case, parity_bars().slice(0, 3000))


def test_any_missing_input_marks_the_bar_missing() -> None:
    check_any_input_nan_marks_bar_missing(CASES[0], parity_bars().slice(0, 1000))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 150), cut=st.floats(0.0, 1.0), gaps=st.integers(0, 3))
def test_values_up_to_t_ignore_later_bars(seed: int, n: int, cut: float, gaps: int) -> None:
    for case in CASES:
        check_no_lookahead(case, seed, n, cut, gaps)


def test_atr_golden_values() -> None:
    """TR = 2, 3, 1, 4 on bars 1..4; ATR(2) seeds with (2 + 3) / 2 then Wilder-smooths."""
    high = np.array([10.0, 11.0, 13.0, 12.0, 15.0])
    low = np.array([9.0, 9.0, 10.0, 11.0, 11.0])
    close = np.array([10.0, 10.0, 12.0, 11.5, 14.0])
    out = volatility.atr(high, low, close, ints(2))[0]
    np.testing.assert_allclose(out, [np.nan, np.nan, 2.5, 1.75, 2.875], rtol=0, atol=1e-15)


def test_stddev_of_a_flat_window_is_exactly_zero() -> None:
    rows = np.array([[1.0, 2.0, 3.33, 3.33, 3.33, 3.33, 5.0]])
    out = volatility.stddev(rows, ints(0), ints(3))[0]
    np.testing.assert_array_equal(out[4:6], [0.0, 0.0])
    np.testing.assert_allclose(out[2], np.std([1.0, 2.0, 3.33]), rtol=1e-15)


def test_percent_b_is_nan_on_zero_width_and_one_at_the_upper_band() -> None:
    """Window (1, 3): mean 2, std 1, so with nbdev 1 the close 3 sits on the upper band."""
    rows = np.array([[5.0, 5.0, 5.0, 1.0, 3.0]])
    out = volatility.bbands_percent_b(rows, ints(0, 0), ints(2, 2), floats(1.0, 0.0))
    np.testing.assert_array_equal(out[0, :3], [np.nan, np.nan, np.nan])
    assert out[0, 4] == 1.0
    assert np.isnan(out[1]).all()


def test_stddev_stays_exact_in_a_calm_window_after_a_volatile_stretch() -> None:
    """Rolling sums keep residue of the size of past squared moves; the kernel must restart exactly
    when that residue would matter, here a 1e-3 wiggle after moves of 100 at a level of 1e4."""
    rng = np.random.default_rng(3)
    volatile = 1e4 + np.cumsum(rng.normal(0.0, 100.0, 517))
    calm = volatile[-1] + rng.normal(0.0, 1e-3, 483)
    series = np.tile(np.concatenate((volatile, calm)), 4)
    window = 50
    exact = np.lib.stride_tricks.sliding_window_view(series, window).std(axis=1)
    out = volatility.stddev(series[None, :], ints(0), ints(window))[0]
    np.testing.assert_allclose(out[window - 1 :], exact, rtol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_and_single_bar_series(case: Case) -> None:
    check_tiny_inputs(case)
