"""The batched metric kernel, the single-variant metric call, the details path and the report table give
bit-identical values for every ranking metric, whatever the thread count, in every stop mode x fill
mode; and the engine's running sums equal a plain numpy computation from the recorded trades and equity
(up to rounding)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numba
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba.core import config as numba_config

from tests.unit.contexts.backtest.engine.close_fill_cases import random_bar_range
from tests.unit.contexts.backtest.engine.reference_metrics import reference_metrics
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import (
    score_block_metric,
    score_variant_metric,
    score_variant_with_details,
)
from trading.contexts.backtest.application.services.reporting_service_v1 import build_variant_report
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.services.report_metrics import drawdown_periods
from trading.contexts.backtest.domain.value_objects.execution import (
    RANKING_METRICS,
    ExecutionParams,
    RankingMetrics,
    RiskParams,
)
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_CATALOG

stop_pct = st.one_of(st.none(), st.floats(min_value=0.2, max_value=15.0))
executions = st.builds(
    ExecutionParams,
    direction_mode=st.sampled_from(["long_only", "short_only", "long_short"]),
    sizing_mode=st.sampled_from(["all_in", "fixed_quote", "strategy_compound_profit_lock"]),
    init_cash_quote=st.floats(min_value=100.0, max_value=1e6),
    fixed_quote=st.floats(min_value=10.0, max_value=5e4),
    safe_profit_percent=st.floats(min_value=0.0, max_value=100.0),
    fee_pct=st.floats(min_value=0.0, max_value=0.5),
    slippage_pct=st.floats(min_value=0.0, max_value=0.2),
    stop_mode=st.sampled_from(["close", "intrabar"]),
    fill=st.sampled_from(["close", "next_open"]),
)


@contextmanager
def threads(count: int) -> Iterator[None]:
    previous = numba.get_num_threads()
    numba.set_num_threads(min(count, numba_config.NUMBA_NUM_THREADS))  # pyright: ignore[reportAttributeAccessIssue]
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def bits(values: npt.NDArray[np.float64]) -> npt.NDArray[np.uint64]:
    return np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)


def as_row(metrics: RankingMetrics) -> npt.NDArray[np.float64]:
    return np.array([getattr(metrics, name) for name in RANKING_METRICS])


def random_market(
    seed: int, n_bars: int, n_rows: int, persistence: float = 0.8
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int8]]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n_bars)))
    # Persistent signals: each bar keeps the previous value with probability `persistence` (0.99 gives
    # the long flat stretches the metric pass skips a block of bars at a time).
    fresh = rng.integers(-1, 2, size=(n_rows, n_bars)).astype(np.int8)
    keep = rng.random((n_rows, n_bars)) < persistence
    signals = fresh.copy()
    for t in range(1, n_bars):
        signals[:, t] = np.where(keep[:, t], signals[:, t - 1], fresh[:, t])
    return close, signals


def report_raw(details: VariantScoreDetails, label: str) -> float:
    """The report row's number for `label` (non-finite values are null there, so read them back as NaN
    or the engine's own inf to compare bits)."""
    rows = build_variant_report(details, start_ms=0, end_ms=1, bar_ms=1, include_trades=False).rows
    row = next(row for row in rows if row["metric"] == label)
    raw = row["raw"]
    if raw is None:
        return {"inf": math.inf, "-inf": -math.inf}.get(str(row["value"]), math.nan)
    return float(raw)


# Hourly bars with a random phase: several bars per UTC day, so day closes fall inside trades and inside
# flat stretches.
bar_ms = st.sampled_from([3_600_000, 86_400_000, 4 * 3_600_000])


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n_bars=st.integers(min_value=1, max_value=300),
    step_ms=bar_ms,
    risks=st.lists(st.tuples(stop_pct, stop_pct), min_size=1, max_size=4),
    execution=executions,
    persistence=st.sampled_from([0.8, 0.99]),
)
def test_every_metric_is_bit_identical_across_paths_threads_and_the_report(
    seed: int,
    n_bars: int,
    step_ms: int,
    risks: list[tuple[float | None, float | None]],
    execution: ExecutionParams,
    persistence: float,
) -> None:
    close, signals = random_market(seed, n_bars, n_rows=3, persistence=persistence)
    ts_ms = 1_704_067_200_000 + (seed % 24) * 3_600_000 + np.arange(n_bars, dtype=np.int64) * step_ms
    bar_range = random_bar_range(np.random.default_rng(seed), close)
    risk_params = [RiskParams(sl, tp) for sl, tp in risks]
    sig_idx = np.repeat(np.arange(3, dtype=np.int64), len(risk_params))
    stops = np.array([risk.as_floats() for risk in risk_params] * 3)
    with threads(1):
        one_thread = score_block_metric(
            close, signals, sig_idx, stops[:, 0], stops[:, 1], execution, bar_range, ts_ms
        )
    with threads(2):
        two_threads = score_block_metric(
            close, signals, sig_idx, stops[:, 0], stops[:, 1], execution, bar_range, ts_ms
        )
    np.testing.assert_array_equal(bits(one_thread), bits(two_threads))
    for v, row in enumerate(sig_idx):
        risk = risk_params[v % len(risk_params)]
        single = as_row(score_variant_metric(close, signals[row], risk, execution, bar_range, ts_ms))
        details = score_variant_with_details(ts_ms, close, signals[row], risk, execution, bar_range)
        np.testing.assert_array_equal(bits(one_thread[v]), bits(single))
        np.testing.assert_array_equal(bits(one_thread[v]), bits(as_row(details.metrics)))
        final_return = (details.equity[-1] / execution.init_cash_quote - 1.0) * 100.0
        assert final_return == details.metrics.total_return_pct
        assert len(details.trades) == 0 or details.trades.exit_bar[-1] <= n_bars - 1
        for info in METRIC_CATALOG:
            ours = getattr(details.metrics, info.name)
            if info.name == "max_drawdown_duration_bars":
                periods = drawdown_periods(details.equity)
                assert ours == float((periods.end_bar - periods.peak_bar).max(initial=0))
                assert report_raw(details, "Max. Drawdown Duration") == ours * step_ms
            elif info.name not in ("return_over_max_drawdown", "profit_factor"):
                assert bits(np.array([report_raw(details, info.label)])) == bits(np.array([ours]))
        expected = reference_metrics(details)
        for name, value in expected.items():
            ours = getattr(details.metrics, name)
            if abs(value) > 1e6:
                # A ratio over a dispersion of a few rounding errors (trades or days that differ only
                # by rounding) is ill-conditioned: only its sign and size are meaningful.
                assert abs(ours) > 1e5 and math.copysign(1.0, ours) == math.copysign(1.0, value), name
                continue
            assert ours == pytest.approx(value, rel=1e-6, abs=1e-9, nan_ok=True), name


def test_block_metrics_do_not_depend_on_thread_count() -> None:
    close, signals = random_market(7, 2_000, n_rows=16)
    sig_idx = np.repeat(np.arange(16, dtype=np.int64), 4)
    sl = np.tile([math.nan, 1.0, 2.5, math.nan], 16)
    tp = np.tile([math.nan, math.nan, 4.0, 3.0], 16)
    execution = ExecutionParams(fee_pct=0.1, slippage_pct=0.02)
    ts_ms = np.arange(2_000, dtype=np.int64) * 3_600_000
    with threads(1):
        one_thread = score_block_metric(close, signals, sig_idx, sl, tp, execution, ts_ms=ts_ms)
    with threads(2):
        two_threads = score_block_metric(close, signals, sig_idx, sl, tp, execution, ts_ms=ts_ms)
    np.testing.assert_array_equal(bits(one_thread), bits(two_threads))
    assert np.isfinite(one_thread[:, 0]).all()
    assert len(np.unique(one_thread[:, 0])) > 16
