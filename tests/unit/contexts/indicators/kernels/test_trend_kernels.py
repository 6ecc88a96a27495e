"""Trend kernels: adx against TA-Lib, supertrend against a plain-Python reference; NaN policy, goldens."""

from __future__ import annotations

import math

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
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import trend


def supertrend_reference(bars: Bars, window: int, multiplier: float) -> np.ndarray:
    """Textbook supertrend in plain Python. ATR: mean of the first `window` true ranges, then
    (prev * (window - 1) + tr) / window. Final upper band keeps its previous value unless the new
    basic band is lower or the previous close broke above it (mirror for the lower band). The first
    bar starts bearish (line = upper band); bearish turns bullish when close > upper band, bullish
    turns bearish when close < lower band."""
    high, low, close = bars.high.tolist(), bars.low.tolist(), bars.close.tolist()
    n = len(close)
    out = [math.nan] * n
    if n <= window:
        return np.array(out)
    ranges = [max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1])) for i in range(1, n)]
    atr = sum(ranges[:window]) / window
    upper = lower = 0.0
    bullish = False
    for i in range(window, n):
        if i > window:
            atr = (atr * (window - 1) + ranges[i - 1]) / window
        mid = (high[i] + low[i]) / 2.0
        basic_upper, basic_lower = mid + multiplier * atr, mid - multiplier * atr
        if i == window:
            upper, lower = basic_upper, basic_lower
        else:
            upper = basic_upper if basic_upper < upper or close[i - 1] > upper else upper
            lower = basic_lower if basic_lower > lower or close[i - 1] < lower else lower
            if bullish and close[i] < lower:
                bullish = False
            elif not bullish and close[i] > upper:
                bullish = True
        out[i] = lower if bullish else upper
    return np.array(out)


CASES = [
    Case(
        "adx",
        lambda b, w: trend.adx(b.high, b.low, b.close, w),
        (ints(2, 3, 14, 50, 200),),
        lambda b, w: talib.ADX(b.high, b.low, b.close, w),
        fields=("high", "low", "close"),
    ),
    Case(
        "supertrend",
        lambda b, w, m: trend.supertrend(b.high, b.low, b.close, w, m),
        (ints(1, 2, 10, 10, 200), floats(1.0, 0.5, 3.0, 1.75, 2.5)),
        supertrend_reference,
        fields=("high", "low", "close"),
    ),
]
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_reference_on_100k_bars(case: Case) -> None:
    check_parity(case, parity_bars())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_nan_gap_restarts_like_a_fresh_series(case: Case) -> None:
    check_gap_restart(case, parity_bars().slice(0, 6000))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_batch_equals_single_variant_calls(case: Case) -> None:
    check_batch_equals_single(case, parity_bars().slice(0, 3000))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_any_missing_input_marks_the_bar_missing(case: Case) -> None:
    check_any_input_nan_marks_bar_missing(case, parity_bars().slice(0, 1000))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 150), cut=st.floats(0.0, 1.0), gaps=st.integers(0, 3))
def test_values_up_to_t_ignore_later_bars(seed: int, n: int, cut: float, gaps: int) -> None:
    for case in CASES:
        check_no_lookahead(case, seed, n, cut, gaps)


def test_adx_of_a_flat_market_is_zero_like_talib() -> None:
    """Every DX is undefined (no range): the seed averages nothing into 0 and ADX stays there."""
    flat = np.full(12, 5.0)
    out = trend.adx(flat, flat, flat, ints(3))[0]
    np.testing.assert_array_equal(out[5:], np.zeros(7))
    np.testing.assert_array_equal(out, talib.ADX(flat, flat, flat, 3))


def test_supertrend_golden_values_with_a_flip() -> None:
    """ATR(1) = true range. Bar 1 starts bearish on the upper band 10.5 + 1.5 = 12; bar 2 keeps 12
    (13 is higher); bar 3 closes 12.9 above 12, so the line drops to the lower band 12.5 - 1.2."""
    high = np.array([10.0, 11.0, 12.0, 13.0])
    low = np.array([9.0, 10.0, 11.0, 12.0])
    close = np.array([9.5, 10.5, 11.8, 12.9])
    out = trend.supertrend(high, low, close, ints(1), floats(1.0))[0]
    np.testing.assert_allclose(out, [np.nan, 12.0, 12.0, 11.3], rtol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_and_single_bar_series(case: Case) -> None:
    check_tiny_inputs(case)
