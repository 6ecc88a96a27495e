"""Catalogue-A kernels: parity with TA-Lib (or the plain references) on 100k bars, restart after NaN
gaps, batch == single-variant calls, no look-ahead and tiny inputs."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.indicators.catalogue_a import references
from tests.unit.contexts.indicators.kernels.kernel_checks import (
    Bars,
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
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import dispersion, ma, oscillators

HLC = ("high", "low", "close")


def talib_bandwidth(bars: Bars, src: int, window: int) -> np.ndarray:
    upper, middle, lower = talib.BBANDS(bars.source_rows()[src], window, 2.0, 2.0, talib.MA_Type.SMA)
    return (upper - lower) / middle


def talib_ppo(bars: Bars, src: int, fast: int, slow: int) -> np.ndarray:
    """TA-Lib PPO for fast < slow; for fast > slow TA-Lib swaps the periods while we keep them, so the
    reference is the definition itself on TA-Lib EMAs."""
    series = bars.source_rows()[src]
    if fast < slow:
        return talib.PPO(series, fast, slow, talib.MA_Type.EMA)
    slow_ema = talib.EMA(series, slow)
    return (talib.EMA(series, fast) - slow_ema) / slow_ema * 100.0


def vwma_case(sources: np.ndarray, windows: np.ndarray, fields: tuple[str, ...] = ()) -> Case:
    return Case(
        "vwma",
        lambda b, s, w: ma.vwma(b.source_rows(), s, b.volume, w),
        (sources, windows),
        lambda b, s, w: references.vwma(b.source_rows()[s], b.volume, w),
        fields,
    )


CASES = [
    Case(
        "zlema",
        lambda b, s, w: ma.zlema(b.source_rows(), s, w),
        (ints(0, 1, 0, 0, 1), ints(2, 5, 14, 200, 51)),
        lambda b, s, w: references.zlema(b.source_rows()[s], w),
    ),
    vwma_case(ints(0, 1, 0, 0), ints(2, 5, 20, 200)),
    Case(
        "tr", lambda b: dispersion.tr(b.high, b.low, b.close), (), lambda b: talib.TRANGE(b.high, b.low, b.close), HLC
    ),
    Case(
        "variance",
        lambda b, s, w: dispersion.variance(b.source_rows(), s, w),
        (ints(0, 1, 0, 0), ints(2, 5, 20, 200)),
        lambda b, s, w: talib.VAR(b.source_rows()[s], w),
    ),
    Case(
        "hv",
        lambda b, s, w: dispersion.hv(b.source_rows(), s, w),
        (ints(0, 1, 0, 0), ints(2, 10, 50, 200)),
        lambda b, s, w: references.hv(b.source_rows()[s], w),
    ),
    Case(
        "bbands_bandwidth",
        lambda b, s, w: dispersion.bbands_bandwidth(b.source_rows(), s, w),
        (ints(0, 1, 0), ints(2, 20, 200)),
        talib_bandwidth,
    ),
    Case(
        "williams_r",
        lambda b, w: oscillators.williams_r(b.high, b.low, b.close, w),
        (ints(2, 5, 14, 50, 200),),
        lambda b, w: talib.WILLR(b.high, b.low, b.close, w),
        HLC,
    ),
    Case(
        "stoch_rsi",
        lambda b, s, r, k: oscillators.stoch_rsi(b.source_rows(), s, r, k),
        (ints(0, 1, 0, 0, 0), ints(14, 5, 2, 30, 14), ints(5, 3, 3, 14, 14)),
        lambda b, s, r, k: talib.STOCHRSI(b.source_rows()[s], r, k, 1, talib.MA_Type.SMA)[0],
    ),
    Case(
        "ppo",
        lambda b, s, f, w: oscillators.ppo(b.source_rows(), s, f, w),
        (ints(0, 1, 0, 0), ints(12, 3, 26, 2), ints(26, 10, 12, 200)),
        talib_ppo,
    ),
    Case(
        "trix",
        lambda b, s, w: oscillators.trix(b.source_rows(), s, w),
        (ints(0, 1, 0, 0), ints(2, 9, 30, 60)),
        lambda b, s, w: talib.TRIX(b.source_rows()[s], w),
    ),
    Case(
        "fisher",
        lambda b, w: oscillators.fisher(b.high, b.low, w),
        (ints(2, 10, 50),),
        lambda b, w: references.fisher(b.high, b.low, w),
        ("high", "low"),
    ),
]
IDS = [case.name for case in CASES]
MULTI_INPUT_CASES = [case for case in CASES if case.fields] + [vwma_case(ints(0, 0), ints(3, 20), ("close", "volume"))]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_reference_on_100k_bars(case: Case) -> None:
    check_parity(case, parity_bars())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_nan_gap_restarts_like_a_fresh_series(case: Case) -> None:
    check_gap_restart(case, parity_bars().slice(0, 6000))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_batch_equals_single_variant_calls(case: Case) -> None:
    check_batch_equals_single(case, parity_bars().slice(0, 3000))


@pytest.mark.parametrize("case", MULTI_INPUT_CASES, ids=[case.name for case in MULTI_INPUT_CASES])
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


def test_plain_ema_reference_agrees_with_talib() -> None:
    """The zlema reference's EMA is itself checked, so a wrong reference cannot hide a wrong kernel."""
    close = parity_bars().close
    np.testing.assert_allclose(references.plain_ema(close, 20), talib.EMA(close, 20), rtol=1e-12, equal_nan=True)
