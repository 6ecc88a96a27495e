"""Drives one staged search over an executor: Stage A shards -> shortlist -> Stage B shards -> top.

The frontier's order is total (metrics, NaN last, then the unique variant_key), so the global top is
contained in the union of the shards' tops whatever the partition or the arrival order; merging each
shard's top into one bounded frontier gives exactly the single-process result. A collapsed Stage B top
orders outcomes by their numbers alone, so a kept outcome is in the top of every shard that saw it and
the shards' member counts add up to the exact count (outcome_frontier.py). The frontier does not
deduplicate ids (nor counts), so every shard is merged exactly once (a set of merged shard ids guards against a
duplicated delivery or a retried task reporting twice).

The driver keeps at most `in_flight_per_slot x slots` shards in flight, reports progress in variants,
checks the observer's stop request (cancel, deadline, lost lease) between results, and fails with
`executor_stalled` when no result arrives for `stall_timeout_seconds` instead of waiting forever.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from trading.contexts.backtest.application.ports.staged_runner import (
    ExecutorSession,
    SearchExecutor,
    SearchObserver,
    ShardTask,
    StageName,
)
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_block_metric
from trading.contexts.backtest.application.services.frontier import Frontier, KeyFunction
from trading.contexts.backtest.application.services.outcome_frontier import merge_shard_top, stage_b_frontier
from trading.contexts.backtest.application.services.shard_plan import ShardSizing, plan_ranges
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SearchStopped
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch
from trading.shared.errors import DomainError

Clock = Callable[[], float]


@dataclass(frozen=True)
class DriverSettings:
    sizing: ShardSizing
    in_flight_per_slot: int = 2
    stall_timeout_seconds: float = 120.0
    verify_top_n: int = 0
    poll_seconds: float = 0.1


@dataclass
class StageShards:
    """A stage's cut and what of it is merged: the unit of a driver checkpoint."""

    stage: StageName
    ranges: list[range]
    frontier: Frontier
    merged: set[int] = field(default_factory=set)

    def merged_units(self) -> int:
        return sum(len(self.ranges[i]) for i in self.merged)

    def to_json(self) -> dict[str, object]:
        return {
            "ranges": [[r.start, r.stop] for r in self.ranges],
            "merged": sorted(self.merged),
            "frontier_capacity": self.frontier.capacity,
            "frontier": self.frontier.to_state(),
        }

    @classmethod
    def from_json(cls, stage: StageName, data: dict, frontier_of: Callable[[int, dict], Frontier]) -> StageShards:
        ranges = [range(int(a), int(b)) for a, b in data["ranges"]]
        frontier = frontier_of(int(data["frontier_capacity"]), data["frontier"])
        return cls(stage, ranges, frontier, {int(i) for i in data["merged"]})


@dataclass
class DriverStats:
    """Counts and times for tests (resume skips finished shards) and the overhead benchmark."""

    tasks_submitted: dict[str, int] = field(default_factory=lambda: {"stage_a": 0, "stage_b": 0})
    results_merged: dict[str, int] = field(default_factory=lambda: {"stage_a": 0, "stage_b": 0})
    duplicates_ignored: int = 0
    task_seconds: float = 0.0
    worker_pids: set[int] = field(default_factory=set)


ShardsMerged = Callable[[StageShards], None]


class ShardedSearchDriver:
    def __init__(
        self,
        prepared: PreparedSearch,
        executor: SearchExecutor,
        settings: DriverSettings,
        clock: Clock = time.monotonic,
    ) -> None:
        self._prepared = prepared
        self._executor = executor
        self._settings = settings
        self._clock = clock
        self.stats = DriverStats()
        self.search_id = uuid.uuid4().hex

    def run(
        self,
        observer: SearchObserver,
        shortlist: np.ndarray | None = None,
        stage_b: StageShards | None = None,
        stage_a: StageShards | None = None,
        on_stage_a_done: Callable[[np.ndarray], None] | None = None,
        on_stage_b_merged: ShardsMerged | None = None,
    ) -> tuple[np.ndarray, Frontier]:
        """(shortlist, top); a resumed run passes the checkpoint's shortlist and Stage B state. A caller
        may pass its own cut of a stage (`stage_a` / `stage_b`); by default it comes from the cost."""
        core, sizes = self._prepared.core, self._prepared.plan.sizes
        session = self._executor.open(self._prepared.plan, self.search_id)
        try:
            if shortlist is None:
                if stage_a is None:
                    ranges = plan_ranges(core.space.size, 1, core.space.n_bars, session.slots, self._settings.sizing)
                    capacity = max(1, min(sizes.preselect, core.space.size))
                    stage_a = StageShards("stage_a", ranges, Frontier(capacity, core.spec))
                stage_a_top = self._drive(session, stage_a, core.base_key_of, 1, observer, None)
                core.stage_a_rejections = stage_a_top.rejections.copy()
                shortlist = stage_a_top.ids.copy()
                if on_stage_a_done is not None:
                    on_stage_a_done(shortlist)
            n_risk = core.risk.size
            if stage_b is None:
                n_positions = int(shortlist.shape[0])
                ranges = plan_ranges(n_positions, n_risk, core.space.n_bars, session.slots, self._settings.sizing)
                capacity = max(1, min(sizes.top_k, n_positions * n_risk))
                stage_b = StageShards("stage_b", ranges, stage_b_frontier(capacity, core.spec))
            session.set_shortlist(shortlist)
            final = shortlist

            def keys_of(variant_indices: np.ndarray) -> list[str]:
                return list(core.variant_key_of(final[variant_indices // n_risk], variant_indices % n_risk))

            frontier = self._drive(session, stage_b, keys_of, n_risk, observer, on_stage_b_merged)
        finally:
            session.close()
        self._verify(shortlist, frontier)
        return shortlist, frontier

    def _drive(
        self,
        session: ExecutorSession,
        shards: StageShards,
        key_of: KeyFunction,
        variants_per_unit: int,
        observer: SearchObserver,
        on_merged: ShardsMerged | None,
    ) -> Frontier:
        stage = shards.stage
        total = sum(len(r) for r in shards.ranges) * variants_per_unit
        todo = [
            ShardTask(stage, index, r.start, r.stop)
            for index, r in enumerate(shards.ranges)
            if index not in shards.merged
        ]
        todo.reverse()  # pop() from the end submits in plan order
        in_flight: set[int] = set()
        last_result_at = self._clock()
        observer.on_progress(stage, shards.merged_units() * variants_per_unit, total)
        while todo or in_flight:
            if observer.should_stop():
                session.cancel()
                raise SearchStopped
            window = max(1, self._settings.in_flight_per_slot * session.slots)
            while todo and len(in_flight) < window:
                task = todo.pop()
                session.submit(task)
                in_flight.add(task.shard_id)
                self.stats.tasks_submitted[stage] += 1
            results = session.collect(self._settings.poll_seconds)
            now = self._clock()
            if results:
                last_result_at = now
            elif now - last_result_at > self._settings.stall_timeout_seconds:
                session.cancel()
                raise _stalled(stage, len(in_flight), self._settings.stall_timeout_seconds)
            for result in results:
                if result.stage != stage or result.shard_id in shards.merged:
                    self.stats.duplicates_ignored += 1
                    continue
                merge_shard_top(shards.frontier, result, key_of)
                shards.frontier.rejections += result.rejections
                shards.merged.add(result.shard_id)
                in_flight.discard(result.shard_id)
                self.stats.results_merged[stage] += 1
                self.stats.task_seconds += result.seconds
                self.stats.worker_pids.add(result.worker_pid)
                observer.on_progress(stage, shards.merged_units() * variants_per_unit, total)
                if on_merged is not None:
                    on_merged(shards)
        return shards.frontier

    def _verify(self, shortlist: np.ndarray, frontier: Frontier) -> None:
        """Re-score the first `verify_top_n` rows here: a node with other code or other numerics shows
        up as `executor_mismatch` instead of a silently different answer."""
        n = min(self._settings.verify_top_n, len(frontier))
        if n == 0:
            return
        core = self._prepared.core
        n_risk = core.risk.size
        indices = frontier.ids[:n]
        rows, row_idx = core.space.signal_rows(shortlist[indices // n_risk])
        risk_idx = indices % n_risk
        metrics = score_block_metric(
            core.close,
            rows,
            row_idx,
            core.risk.sl_pct[risk_idx],
            core.risk.tp_pct[risk_idx],
            core.execution,
            core.bar_range,
            core.daily_ts_ms,
        )
        if metrics.tobytes() != frontier.metrics[:n].tobytes():
            raise DomainError(
                "executor_mismatch",
                f"the cluster's metrics for the top {n} differ from this process's re-score; "
                "check that every node runs the same versions (`trading cluster check`)",
                status=500,
            )


def _stalled(stage: str, in_flight: int, timeout: float) -> DomainError:
    return DomainError(
        "executor_stalled",
        f"no shard of {stage} finished within {timeout:g} s ({in_flight} in flight); "
        "the cluster may have no free CPU for the tasks or may be unreachable (`trading cluster check`)",
        status=503,
        extra={"stage": stage, "in_flight": in_flight, "stall_timeout_seconds": timeout},
    )
