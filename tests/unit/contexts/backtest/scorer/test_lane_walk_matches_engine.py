"""Stage B's lane walk (one pass over the bars per base for all its risk variants) gives the reference
engine's metrics bit for bit, NaN positions included, for every sizing and direction mode, any risk grid
(disabled stops too), every execution mode (close / intrabar stops, close / next-open fills), with and
without the daily resample, on 1 and 2 threads."""

from __future__ import annotations

from itertools import product

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.backtest.engine.close_fill_cases import random_bar_range
from tests.unit.contexts.backtest.scorer.test_scorer_paths_agree import (
    bits,
    executions,
    random_market,
    stop_pct,
    threads,
)
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import (
    score_bases_metric,
    score_block_metric,
)
from trading.contexts.backtest.application.services.staged_core_runner_v1 import RiskGrid
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_COLUMN

FloatArray = npt.NDArray[np.float64]


def reference(
    close: FloatArray,
    signals: npt.NDArray[np.int8],
    row_idx: npt.NDArray[np.int64],
    risk: RiskGrid,
    execution: ExecutionParams,
    bar_range: tuple[FloatArray, FloatArray, FloatArray] | None,
    ts_ms: npt.NDArray[np.int64] | None,
) -> FloatArray:
    """One engine walk per variant, in Stage B's variant order (base outer, risk inner)."""
    n_bases = row_idx.shape[0]
    return score_block_metric(
        close, signals, np.repeat(row_idx, risk.size), np.tile(risk.sl_pct, n_bases), np.tile(risk.tp_pct, n_bases),
        execution, bar_range, ts_ms,
    )


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n_bars=st.integers(min_value=1, max_value=300),
    sl_axis=st.lists(stop_pct, min_size=1, max_size=4),
    tp_axis=st.lists(stop_pct, min_size=1, max_size=4),
    execution=executions,
    daily=st.booleans(),
    persistence=st.sampled_from([0.8, 0.99]),
)
def test_lane_walk_equals_the_engine_bit_for_bit(
    seed: int,
    n_bars: int,
    sl_axis: list[float | None],
    tp_axis: list[float | None],
    execution: ExecutionParams,
    daily: bool,
    persistence: float,
) -> None:
    close, signals = random_market(seed, n_bars, n_rows=3, persistence=persistence)
    bar_range = random_bar_range(np.random.default_rng(seed), close)
    ts_ms = 1_704_067_200_000 + np.arange(n_bars, dtype=np.int64) * 3_600_000 if daily else None
    risk = RiskGrid.product(sl_axis, tp_axis)
    row_idx = np.array([2, 0, 2, 1], dtype=np.int64)  # a row shared by two bases too
    expected = reference(close, signals, row_idx, risk, execution, bar_range, ts_ms)
    for count in (1, 2):
        with threads(count):
            lanes = score_bases_metric(close, signals, row_idx, risk.sl_pct, risk.tp_pct, execution, bar_range, ts_ms)
        np.testing.assert_array_equal(bits(lanes), bits(expected))


def test_forty_lanes_with_diverging_stops_match_the_engine_on_a_long_row() -> None:
    """W1's shape: 40 SL x TP lanes per base, stops that fire at different bars so the lanes fall out of
    step, daily ratios on, every sizing mode and execution mode."""
    close, signals = random_market(11, 3_000, n_rows=5)
    bar_range = random_bar_range(np.random.default_rng(11), close)
    ts_ms = np.arange(3_000, dtype=np.int64) * 900_000
    risk = RiskGrid.product([None, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0], [None, 1.0, 2.5, 5.0, 8.0])
    row_idx = np.arange(5, dtype=np.int64)
    sizing_modes = ("all_in", "fixed_quote", "strategy_compound_profit_lock")
    for sizing_mode, stop_mode, fill in product(sizing_modes, ("close", "intrabar"), ("close", "next_open")):
        execution = ExecutionParams(
            direction_mode="long_short", sizing_mode=sizing_mode, fixed_quote=2_500.0, safe_profit_percent=40.0,
            fee_pct=0.075, slippage_pct=0.01, stop_mode=stop_mode, fill=fill,
        )
        expected = reference(close, signals, row_idx, risk, execution, bar_range, ts_ms)
        for count in (1, 2):
            with threads(count):
                lanes = score_bases_metric(
                    close, signals, row_idx, risk.sl_pct, risk.tp_pct, execution, bar_range, ts_ms
                )
            np.testing.assert_array_equal(bits(lanes), bits(expected))
        # The stops made the lanes of a base trade differently, and the daily ratios are defined.
        assert len(np.unique(expected[: risk.size, METRIC_COLUMN["total_return_pct"]])) > 30
        assert np.isfinite(expected[:, METRIC_COLUMN["sharpe_ratio"]]).all()
