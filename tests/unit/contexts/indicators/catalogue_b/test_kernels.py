"""Catalogue-B kernels: parity with TA-Lib or the oracles on 100k tick-rounded bars, NaN-gap
restart, batch == single, missing inputs, no look-ahead, tiny inputs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.indicators.catalogue_b.cases import CASES, IDS
from tests.unit.contexts.indicators.kernels.kernel_checks import (
    Case,
    check_any_input_nan_marks_bar_missing,
    check_batch_equals_single,
    check_gap_restart,
    check_no_lookahead,
    check_parity,
    check_tiny_inputs,
    parity_bars,
)


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


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(2, 150), cut=st.floats(0.0, 1.0), gaps=st.integers(0, 3))
def test_values_up_to_t_ignore_later_bars(seed: int, n: int, cut: float, gaps: int) -> None:
    for case in CASES:
        check_no_lookahead(case, seed, n, cut, gaps)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_and_single_bar_series(case: Case) -> None:
    check_tiny_inputs(case)
