"""The sharded driver on the in-process executor: same shortlist, ids, keys and metric bytes as the
single-process staged core, for every request and shard count; any partition and any merge order
(with duplicated deliveries) equals the full sort; cancel and stalls end the search cleanly."""

import itertools
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.contexts.backtest.distributed.search_requests import REQUESTS, search_request
from trading.contexts.backtest.application.ports.staged_runner import ShardResult, ShardTask
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.in_process_executor import InProcessExecutor, InProcessSession
from trading.contexts.backtest.application.services.outcome_frontier import (
    OutcomeFrontier,
    stage_b_frontier,
    stage_b_frontier_from_state,
)
from trading.contexts.backtest.application.services.shard_plan import ShardSizing
from trading.contexts.backtest.application.services.sharded_search_driver import (
    DriverSettings,
    ShardedSearchDriver,
    StageShards,
)
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SearchStopped
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch, plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.shared.errors import DomainError


class Quiet:
    def __init__(self) -> None:
        self.stop = False
        self.progress: list[tuple[str, int, int]] = []

    def on_progress(self, stage: str, processed: int, total: int) -> None:
        self.progress.append((stage, processed, total))

    def should_stop(self) -> bool:
        return self.stop

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None: ...


_PREPARED: dict[str, PreparedSearch] = {}


def prepared_for(ctx: BacktestContext, name: str) -> PreparedSearch:
    if name not in _PREPARED:
        plan = plan_search(search_request(name), ctx.store(), ctx.config)
        _PREPARED[name] = prepare_search(plan)
    return _PREPARED[name]


def single_process(prepared: PreparedSearch) -> tuple[np.ndarray, Frontier]:
    core, sizes = prepared.core, prepared.plan.sizes
    shortlist = core.stage_a(sizes.preselect, Quiet())
    return shortlist, core.stage_b(shortlist, sizes.top_k, Quiet())


def assert_same(actual: tuple[np.ndarray, Frontier], expected: tuple[np.ndarray, Frontier]) -> None:
    """Same shortlist, ids, keys and metric bits; for a collapsed top also the same counts and members."""
    assert actual[0].tolist() == expected[0].tolist()
    assert actual[1].ids.tolist() == expected[1].ids.tolist()
    assert list(actual[1].keys) == list(expected[1].keys)
    assert actual[1].metrics.tobytes() == expected[1].metrics.tobytes()
    assert type(actual[1]) is type(expected[1])
    if isinstance(expected[1], OutcomeFrontier):
        assert isinstance(actual[1], OutcomeFrontier)
        assert actual[1].counts.tolist() == expected[1].counts.tolist()
        assert actual[1].member_ids.tolist() == expected[1].member_ids.tolist()


def driver(prepared: PreparedSearch, shards: int | None = None, **kw: object) -> ShardedSearchDriver:
    settings = DriverSettings(ShardSizing(2.0, 4, shards), verify_top_n=3, **kw)  # type: ignore[arg-type]
    return ShardedSearchDriver(prepared, InProcessExecutor(prepared=prepared), settings)


def test_the_ties_request_really_has_ties_nan_and_inf(backtest_ctx: BacktestContext) -> None:
    prepared = prepared_for(backtest_ctx, "ties_per_variant")
    _shortlist, top = single_process(prepared)
    primary = top.metrics[:, 3]  # profit_factor
    assert np.isinf(primary).all()  # every row of the top ties on the primary metric
    assert len(set(top.metrics[:, 1].tolist())) < len(primary)  # and some on the secondary too
    bottom = prepared.core.stage_a_range(0, prepared.core.space.size, 10_000, Quiet())
    assert np.isnan(bottom.metrics[:, 3]).sum() > 100  # never-trading variants: NaN, ranked last
    collapsed = single_process(prepared_for(backtest_ctx, "ties_nan_inf_secondary"))[1]
    assert isinstance(collapsed, OutcomeFrontier)  # the collapsed ties: many members per outcome
    assert collapsed.counts.max() > 1 and np.isinf(collapsed.metrics[:, 3]).any()


@pytest.mark.parametrize("name", sorted(REQUESTS))
@pytest.mark.parametrize("shards", [1, 2, 7, 64])
def test_sharded_search_equals_the_single_process_run(backtest_ctx: BacktestContext, name: str, shards: int) -> None:
    prepared = prepared_for(backtest_ctx, name)
    run = driver(prepared, shards)
    assert_same(run.run(Quiet()), single_process(prepared))
    expected_a = min(shards, prepared.core.space.size)
    assert run.stats.results_merged["stage_a"] == expected_a


class ShufflingSession(InProcessSession):
    """Runs every queued shard at the first collect and delivers the results in a shuffled order,
    some of them twice (a retried task reporting again)."""

    def __init__(self, inner: InProcessSession, rng: random.Random) -> None:
        self.__dict__.update(inner.__dict__)
        self._rng = rng

    def collect(self, timeout_seconds: float) -> list[ShardResult]:
        results: list[ShardResult] = []
        while self._queue:
            results += super().collect(timeout_seconds)
        results += [r for r in results if self._rng.random() < 0.3]
        self._rng.shuffle(results)
        return results


class ShufflingExecutor(InProcessExecutor):
    def __init__(self, prepared: PreparedSearch, seed: int) -> None:
        super().__init__(prepared=prepared)
        self._rng = random.Random(seed)

    def open(self, plan, search_id):  # type: ignore[no-untyped-def]
        return ShufflingSession(super().open(plan, search_id), self._rng)


def _ranges(cuts: list[int], size: int) -> list[range]:
    bounds = sorted({0, size, *(c % size for c in cuts)})
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(REQUESTS)),
    cuts_a=st.lists(st.integers(0, 10_000), max_size=12),
    cuts_b=st.lists(st.integers(0, 10_000), max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_partition_and_merge_order_with_duplicates_equals_the_full_sort(
    backtest_ctx: BacktestContext, name: str, cuts_a: list[int], cuts_b: list[int], seed: int
) -> None:
    prepared = prepared_for(backtest_ctx, name)
    expected = single_process(prepared)
    core, sizes = prepared.core, prepared.plan.sizes
    stage_a = StageShards("stage_a", _ranges(cuts_a, core.space.size), Frontier(sizes.preselect, core.spec))
    n_positions = int(expected[0].shape[0])
    capacity_b = min(sizes.top_k, n_positions * core.risk.size)
    stage_b = StageShards("stage_b", _ranges(cuts_b, n_positions), stage_b_frontier(capacity_b, core.spec))
    run = ShardedSearchDriver(prepared, ShufflingExecutor(prepared, seed), DriverSettings(ShardSizing(2.0, 4)))
    assert_same(run.run(Quiet(), stage_a=stage_a, stage_b=stage_b), expected)
    assert run.stats.results_merged == {"stage_a": len(stage_a.ranges), "stage_b": len(stage_b.ranges)}


def test_a_resumed_stage_b_skips_the_merged_shards(backtest_ctx: BacktestContext) -> None:
    prepared = prepared_for(backtest_ctx, "two_anded")
    expected = single_process(prepared)
    checkpoints: list[dict] = []
    first = driver(prepared, 7)
    first.run(Quiet(), on_stage_b_merged=lambda shards: checkpoints.append(shards.to_json()))
    state = checkpoints[2]  # three Stage B shards merged when the driver "died"
    core = prepared.core
    resumed_b = StageShards.from_json(
        "stage_b", state, lambda capacity, frontier: stage_b_frontier_from_state(capacity, core.spec, frontier)
    )
    second = driver(prepared, 7)
    assert_same(second.run(Quiet(), shortlist=expected[0], stage_b=resumed_b), expected)
    assert second.stats.tasks_submitted == {"stage_a": 0, "stage_b": 7 - 3}


def test_cancel_stops_between_shards_and_raises_search_stopped(backtest_ctx: BacktestContext) -> None:
    prepared = prepared_for(backtest_ctx, "one_indicator")
    observer = Quiet()
    run = driver(prepared, 64)
    original = observer.on_progress

    def stop_after_three(stage: str, processed: int, total: int) -> None:
        original(stage, processed, total)
        if len(observer.progress) == 4:
            observer.stop = True

    observer.on_progress = stop_after_three  # type: ignore[method-assign]
    with pytest.raises(SearchStopped):
        run.run(observer)
    assert run.stats.results_merged["stage_a"] == 3
    assert run.stats.tasks_submitted["stage_b"] == 0


class BlackHoleSession(InProcessSession):
    """A cluster that accepts tasks and never runs one."""

    def collect(self, timeout_seconds: float) -> list[ShardResult]:
        return []


class BlackHoleExecutor(InProcessExecutor):
    def open(self, plan, search_id):  # type: ignore[no-untyped-def]
        return BlackHoleSession(plan, search_id, 1)


def test_an_executor_that_never_runs_a_task_fails_with_executor_stalled(backtest_ctx: BacktestContext) -> None:
    prepared = prepared_for(backtest_ctx, "one_indicator")
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    settings = DriverSettings(ShardSizing(2.0, 4, 4), stall_timeout_seconds=30.0, poll_seconds=0.0)
    run = ShardedSearchDriver(prepared, BlackHoleExecutor(), settings, clock=clock)
    with pytest.raises(DomainError) as caught:
        run.run(Quiet())
    assert caught.value.code == "executor_stalled"
    assert 30 <= now[0] <= 33


def test_progress_counts_merged_variants_up_to_the_stage_totals(backtest_ctx: BacktestContext) -> None:
    prepared = prepared_for(backtest_ctx, "two_anded")
    observer = Quiet()
    driver(prepared, 7).run(observer)
    stage_a = [p for p in observer.progress if p[0] == "stage_a"]
    stage_b = [p for p in observer.progress if p[0] == "stage_b"]
    assert stage_a[-1][1:] == (prepared.core.space.size, prepared.core.space.size)
    assert stage_b[-1][1] == stage_b[-1][2] == prepared.plan.sizes.stage_b
    assert [p[1] for p in stage_b] == sorted(p[1] for p in stage_b)


def test_shard_task_ids_are_plan_indices() -> None:
    assert ShardTask("stage_a", 3, 10, 20).shard_id == 3
