"""Constraints on the sharded path: the same top and the same rejection counts as one process, whatever
the cut, the merge order and the duplicate deliveries (each shard's counts are merged exactly once)."""

import numpy as np
import pytest

from tests.unit.contexts.backtest.distributed.search_requests import search_request
from tests.unit.contexts.backtest.distributed.test_sharded_driver import (
    Quiet,
    ShufflingExecutor,
    assert_same,
    driver,
    single_process,
)
from trading.contexts.backtest.application.services.shard_plan import ShardSizing
from trading.contexts.backtest.application.services.sharded_search_driver import DriverSettings, ShardedSearchDriver
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch, plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext

CONSTRAINTS = [
    {"metric": "num_trades", "op": ">=", "value": 120.0},
    {"metric": "max_drawdown_pct", "op": "<", "value": 19.0},
]


@pytest.fixture(scope="module")
def prepared(backtest_ctx: BacktestContext) -> PreparedSearch:
    plan = plan_search(search_request("two_anded", constraints=CONSTRAINTS), backtest_ctx.store(), backtest_ctx.config)
    return prepare_search(plan)


def _counts(prepared: PreparedSearch, run: tuple[np.ndarray, object]) -> tuple[list[int], list[int]]:
    return prepared.core.stage_a_rejections.tolist(), run[1].rejections.tolist()  # type: ignore[attr-defined]


@pytest.mark.parametrize("shards", [1, 2, 7, 64])
def test_sharded_counts_equal_the_single_process_counts(prepared: PreparedSearch, shards: int) -> None:
    expected = single_process(prepared)
    expected_counts = _counts(prepared, expected)
    stage_a, stage_b = expected_counts
    assert all(0 < n < prepared.core.space.size for n in stage_a)  # each constraint rejects some, not all
    assert all(n > 0 for n in stage_b)
    sharded = driver(prepared, shards).run(Quiet())
    assert_same(sharded, expected)
    assert _counts(prepared, sharded) == expected_counts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_duplicate_and_shuffled_results_are_counted_once(prepared: PreparedSearch, seed: int) -> None:
    expected = single_process(prepared)
    expected_counts = _counts(prepared, expected)
    run = ShardedSearchDriver(prepared, ShufflingExecutor(prepared, seed), DriverSettings(ShardSizing(2.0, 4, 5)))
    result = run.run(Quiet())
    assert_same(result, expected)
    assert _counts(prepared, result) == expected_counts
