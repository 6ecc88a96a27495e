"""Momentum kernels (rsi, roc, macd, cci, stoch) against TA-Lib, NaN policy and golden edge values."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.indicators.kernels.kernel_checks import (
    Case,
    assert_parity,
    check_any_input_nan_marks_bar_missing,
    check_batch_equals_single,
    check_gap_restart,
    check_no_lookahead,
    check_parity,
    check_tiny_inputs,
    ints,
    parity_bars,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import momentum

CASES = [
    Case(
        "rsi",
        lambda b, s, w: momentum.rsi(b.source_rows(), s, w),
        (ints(0, 1, 0, 1, 0, 0), ints(2, 3, 14, 14, 50, 200)),
        lambda b, s, w: talib.RSI(b.source_rows()[s], w),
    ),
    Case(
        "roc",
        lambda b, s, w: momentum.roc(b.source_rows(), s, w),
        (ints(0, 0, 1, 0, 1), ints(1, 2, 3, 10, 200)),
        lambda b, s, w: talib.ROC(b.source_rows()[s], w),
    ),
    Case(
        "macd",
        lambda b, s, f, w: momentum.macd(b.source_rows(), s, f, w),
        (ints(0, 1, 0, 0, 1), ints(2, 12, 5, 2, 199), ints(3, 26, 50, 200, 200)),
        lambda b, s, f, w: talib.MACD(b.source_rows()[s], f, w, 1)[0],
    ),
    Case(
        "cci",
        lambda b, w: momentum.cci(b.high, b.low, b.close, w),
        (ints(2, 3, 14, 20, 200),),
        lambda b, w: talib.CCI(b.high, b.low, b.close, w),
        fields=("high", "low", "close"),
    ),
    Case(
        "stoch",
        lambda b, k, s: momentum.stoch(b.high, b.low, b.close, k, s),
        (ints(2, 2, 14, 5, 200), ints(1, 3, 3, 5, 5)),
        lambda b, k, s: talib.STOCH(b.high, b.low, b.close, k, s, talib.MA_Type.SMA, 1, talib.MA_Type.SMA)[0],
        fields=("high", "low", "close"),
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


@pytest.mark.parametrize("case", CASES[3:], ids=IDS[3:])
def test_any_missing_input_marks_the_bar_missing(case: Case) -> None:
    check_any_input_nan_marks_bar_missing(case, parity_bars().slice(0, 1000))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 150), cut=st.floats(0.0, 1.0), gaps=st.integers(0, 3))
def test_values_up_to_t_ignore_later_bars(seed: int, n: int, cut: float, gaps: int) -> None:
    for case in CASES:
        check_no_lookahead(case, seed, n, cut, gaps)


def one_row(*values: float) -> np.ndarray:
    return np.array([values], dtype=np.float64)


def test_rsi_golden_values_and_degenerate_windows() -> None:
    """Moves +1 -1 +1 +1: seed gain = loss = 0.5 -> 50, then Wilder: 75, 87.5. Only gains -> 100;
    only losses -> 0; no move at all -> 0 (TA-Lib's convention for 0/0)."""
    rows = np.vstack(
        [
            [1.0, 2.0, 1.0, 2.0, 3.0],
            [1.0, 2.0, 3.0, 4.0, 5.0],
            [5.0, 4.0, 3.0, 2.0, 1.0],
            [7.0, 7.0, 7.0, 7.0, 7.0],
        ]
    )
    out = momentum.rsi(rows, ints(0, 1, 2, 3), ints(2, 2, 2, 2))
    np.testing.assert_array_equal(out[0], [np.nan, np.nan, 50.0, 75.0, 87.5])
    np.testing.assert_array_equal(out[1:, 2:], [[100.0] * 3, [0.0] * 3, [0.0] * 3])
    for row in range(1, 4):
        np.testing.assert_array_equal(out[row], talib.RSI(rows[row], 2))


def test_roc_on_a_zero_base_is_nan_where_talib_says_zero() -> None:
    """By design: division by zero is NaN (engine NaN policy); TA-Lib returns 0."""
    rows = one_row(0.0, 2.0, 3.0)
    out = momentum.roc(rows, ints(0), ints(1))[0]
    np.testing.assert_array_equal(out, [np.nan, np.nan, 50.0])
    assert talib.ROC(rows[0], 1)[1] == 0.0


def test_macd_golden_values_and_fast_above_slow_is_not_swapped() -> None:
    """On a ramp both EMAs lag by a constant: seeds mean(2, 3) - mean(1, 2, 3) = 0.5 and it stays 0.5.
    With fast > slow the line is EMA(fast) - EMA(slow), the negation of the swapped call, where
    TA-Lib silently swaps the periods."""
    rows = one_row(1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    out = momentum.macd(rows, ints(0, 0), ints(2, 3), ints(3, 2))
    np.testing.assert_array_equal(out[0], [np.nan, np.nan, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_array_equal(out[1], -out[0])
    np.testing.assert_array_equal(talib.MACD(rows[0], 3, 2, 1)[0], out[0])


def test_cci_golden_value_and_flat_window() -> None:
    """Typical prices 1, 2, 3: mean 2, mean deviation 2/3, so (3 - 2) / (0.015 * 2/3) = 100."""
    prices = np.array([1.0, 2.0, 3.0, 3.0, 3.0, 3.0])
    out = momentum.cci(prices, prices, prices, ints(3))[0]
    np.testing.assert_allclose(out[2], 100.0, rtol=1e-14)
    np.testing.assert_array_equal(out[5:], [0.0])


def test_stoch_golden_value_and_flat_range() -> None:
    """Closes 3.5 then 4 in the 3-bar range 1..5 give fast %K 62.5 then 75; slow %K(2) is 68.75."""
    high = np.array([3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 6.0, 6.0])
    low = np.array([1.0, 2.0, 2.0, 1.0, 6.0, 6.0, 6.0, 6.0])
    close = np.array([2.0, 3.0, 3.5, 4.0, 6.0, 6.0, 6.0, 6.0])
    out = momentum.stoch(high, low, close, ints(3, 1), ints(2, 1))
    np.testing.assert_array_equal(out[0, :4], [np.nan, np.nan, np.nan, 68.75])
    np.testing.assert_array_equal(out[1, 4:], [0.0] * 4)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_and_single_bar_series(case: Case) -> None:
    check_tiny_inputs(case)


def test_cci_agrees_with_talib_on_interior_nan() -> None:
    """TA-Lib CCI recomputes every window, so each window touching a NaN is NaN there too."""
    bars = parity_bars().slice(0, 3000).with_nan(1000, 1002)
    case = CASES[3]
    out = case.run(bars)
    for j in range(case.variants):
        assert_parity(out[j], case.expected(bars, j))


def test_roc_is_nan_when_a_nan_lies_inside_the_window_unlike_talib() -> None:
    """By design (engine NaN policy): TA-Lib ROC reads only the two end points, so a NaN strictly
    inside the window still gives it a number; ours is NaN for every window touching the NaN."""
    series = np.arange(1.0, 12.0)
    series[5] = np.nan
    ours = momentum.roc(series[None, :], ints(0), ints(3))[0]
    np.testing.assert_array_equal(np.isnan(ours), [True] * 3 + [False] * 2 + [True] * 4 + [False] * 2)
    assert talib.ROC(series, 3)[6] == 75.0


def test_rsi_restarts_after_a_gap_where_talib_reports_zero() -> None:
    """By design: TA-Lib's averages turn NaN at the gap and its RSI then reports 0 forever; ours is
    NaN until a fresh seed of 14 moves after the gap exists, then live again."""
    series = parity_bars().close[:400].copy()
    series[200] = np.nan
    ours = momentum.rsi(series[None, :], ints(0), ints(14))[0]
    assert np.isnan(ours[200:215]).all()
    assert not np.isnan(ours[215:]).any()
    assert (talib.RSI(series, 14)[200:] == 0.0).all()
