"""Stage A over several banks (each base's AND built in a thread's scratch row and scored at once) gives
the metrics of the materialised path (`combine_and` rows through `score_block_metric`, stops off) bit for
bit, NaN positions included, for every direction, sizing and execution mode, with and without the daily
resample, on 1 and 2 threads; through `BaseVariantSpace` too, with a cross bank made on demand. Both
paths share the AND kernel, so the reference also checks the ANDed rows against numpy."""

from __future__ import annotations

from itertools import product

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.backtest.engine.close_fill_cases import random_bar_range
from tests.unit.contexts.backtest.scorer.test_scorer_paths_agree import bits, executions, random_market, threads
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_and_metric, score_block_metric
from trading.contexts.backtest.application.services.signals_from_indicators_v1 import combine_and
from trading.contexts.backtest.application.services.staged_core_runner_v1 import (
    BaseVariantSpace,
    CrossBank,
    SignalBank,
)
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_COLUMN

FloatArray = npt.NDArray[np.float64]
BarRange = tuple[FloatArray, FloatArray, FloatArray]


def materialised(
    close: FloatArray,
    rows_per_bank: list[npt.NDArray[np.int8]],
    picks: npt.NDArray[np.int64],
    execution: ExecutionParams,
    bar_range: BarRange,
    ts_ms: npt.NDArray[np.int64] | None,
) -> FloatArray:
    """Today's reference path: every base's ANDed row written out, then scored with stops off. The rows
    are checked against numpy first, since both paths share the AND kernel."""
    combined = combine_and(rows_per_bank, picks)
    chosen = np.stack([rows[picks[:, column]] for column, rows in enumerate(rows_per_bank)])
    np.testing.assert_array_equal(combined, np.where((chosen == chosen[0]).all(axis=0), chosen[0], 0))
    nan = np.full(picks.shape[0], np.nan)
    index = np.arange(picks.shape[0], dtype=np.int64)
    return score_block_metric(close, combined, index, nan, nan, execution, bar_range, ts_ms)


def assert_fused_equals_materialised(
    close: FloatArray,
    rows_per_bank: list[npt.NDArray[np.int8]],
    picks: npt.NDArray[np.int64],
    execution: ExecutionParams,
    bar_range: BarRange,
    ts_ms: npt.NDArray[np.int64] | None,
) -> FloatArray:
    expected = materialised(close, rows_per_bank, picks, execution, bar_range, ts_ms)
    for count in (1, 2):
        with threads(count):
            fused = score_and_metric(close, rows_per_bank, picks, execution, bar_range, ts_ms)
        np.testing.assert_array_equal(bits(fused), bits(expected))
    return expected


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n_bars=st.integers(min_value=1, max_value=300),
    bank_sizes=st.lists(st.integers(min_value=1, max_value=4), min_size=2, max_size=3),
    n_bases=st.integers(min_value=1, max_value=9),
    execution=executions,
    daily=st.booleans(),
)
def test_fused_and_equals_the_materialised_rows_bit_for_bit(
    seed: int, n_bars: int, bank_sizes: list[int], n_bases: int, execution: ExecutionParams, daily: bool
) -> None:
    rng = np.random.default_rng(seed)
    close, _ = random_market(seed, n_bars, n_rows=1)
    rows_per_bank = [random_market(seed + column + 1, n_bars, size)[1] for column, size in enumerate(bank_sizes)]
    picks = np.stack([rng.integers(0, size, n_bases) for size in bank_sizes], axis=1)
    ts_ms = 1_704_067_200_000 + np.arange(n_bars, dtype=np.int64) * 3_600_000 if daily else None
    assert_fused_equals_materialised(close, rows_per_bank, picks, execution, random_bar_range(rng, close), ts_ms)


def test_sparse_ands_on_a_long_series_match_in_every_mode() -> None:
    """W3's shape: a dense trend bank ANDed with a mostly flat band bank, so the ANDed rows are flat most
    of the time yet trade; every direction, sizing and execution mode, daily ratios on and off."""
    rng = np.random.default_rng(5)
    close, trend = random_market(5, 4_000, n_rows=4)
    band = np.where(rng.random((6, 4_000)) < 0.85, 0, trend[rng.integers(0, 4, 6)]).astype(np.int8)
    picks = np.stack(np.meshgrid(np.arange(4), np.arange(6), indexing="ij"), axis=-1).reshape(-1, 2)
    bar_range = random_bar_range(rng, close)
    modes = product(
        ("long_only", "short_only", "long_short"),
        ("all_in", "fixed_quote", "strategy_compound_profit_lock"),
        ("close", "intrabar"),
        ("close", "next_open"),
    )
    for direction_mode, sizing_mode, stop_mode, fill in modes:
        execution = ExecutionParams(
            direction_mode=direction_mode,
            sizing_mode=sizing_mode,
            fixed_quote=2_500.0,
            safe_profit_percent=40.0,
            fee_pct=0.075,
            slippage_pct=0.01,
            stop_mode=stop_mode,
            fill=fill,
        )
        for ts_ms in (None, np.arange(4_000, dtype=np.int64) * 900_000):
            expected = assert_fused_equals_materialised(close, [trend, band], picks, execution, bar_range, ts_ms)
            # Every base traded, and without the day closes the daily ratios are NaN in both paths.
            assert (expected[:, METRIC_COLUMN["num_trades"]] > 10).all()
            daily_defined = np.isfinite(expected[:, METRIC_COLUMN["sharpe_ratio"]])
            assert daily_defined.all() if ts_ms is not None else not daily_defined.any()


def test_a_space_with_a_cross_bank_scores_its_bank_rows_like_its_signal_rows() -> None:
    """`bank_rows` hands the fused kernel a cross bank's rows made on demand for the chunk's unique
    pairs; scoring them equals scoring `signal_rows`, the rows Stage B reads."""
    rng = np.random.default_rng(9)
    close, trend = random_market(9, 2_000, n_rows=3)
    fast, slow = close * rng.uniform(0.98, 1.02, (4, 2_000)), close * rng.uniform(0.98, 1.02, (3, 2_000))
    cross = CrossBank(fast, slow, np.array([0, 1, 3, 2, 0]), np.array([2, 0, 1, 1, 1]))
    space = BaseVariantSpace([SignalBank("trend", trend), cross])
    base_ids = np.array([14, 0, 3, 7, 3, 9, 13], dtype=np.int64)  # a repeated base, not in order
    execution = ExecutionParams(direction_mode="long_short", fee_pct=0.05)
    rows, picks = space.bank_rows(base_ids)
    combined, index = space.signal_rows(base_ids)
    nan = np.full(base_ids.shape[0], np.nan)
    expected = score_block_metric(close, combined, index, nan, nan, execution)
    for count in (1, 2):
        with threads(count):
            np.testing.assert_array_equal(bits(score_and_metric(close, rows, picks, execution)), bits(expected))
    assert (expected[:, METRIC_COLUMN["num_trades"]] > 0).all()
