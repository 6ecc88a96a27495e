"""What the staged core and the search driver need from their surroundings.

`SearchObserver` is how a caller (sync request, job, shard) sees progress and asks a search to stop.
`SearchExecutor` runs shards of one search somewhere (this process, or a Ray cluster); the driver
plans the shards, keeps a bounded window of them in flight and merges each result exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

if TYPE_CHECKING:
    from trading.contexts.backtest.application.services.frontier import Frontier
    from trading.contexts.backtest.application.services.staged_runner_v1 import SearchPlan

StageName = Literal["stage_a", "stage_b"]


class SearchObserver(Protocol):
    def on_progress(self, stage: str, processed: int, total: int) -> None: ...

    def should_stop(self) -> bool: ...

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None: ...


@dataclass(frozen=True)
class ShardTask:
    """One contiguous id range of one stage: base ids in Stage A, shortlist positions in Stage B.
    `shard_id` is unique within its stage and stable across driver restarts (index in the plan)."""

    stage: StageName
    shard_id: int
    start: int
    stop: int


@dataclass(frozen=True)
class OutcomeGroups:
    """Per row of a collapsed top: how many variants had its outcome, and the first few of them
    (variant indices, -1 padded) by variant_key."""

    counts: np.ndarray
    member_ids: np.ndarray


@dataclass(frozen=True)
class ShardResult:
    """A shard's own top: global ids (base ids / Stage B variant indices) and their metrics, rank order;
    with `groups` when the Stage B top collapses same outcomes. Keys do not travel; the driver computes
    the few it needs."""

    stage: StageName
    shard_id: int
    ids: np.ndarray
    metrics: np.ndarray
    seconds: float  # time spent inside the shard, for the overhead numbers
    worker_pid: int
    rejections: np.ndarray  # variants each constraint kept out of the shard's top; summed at the merge
    groups: OutcomeGroups | None = None


class ExecutorSession(Protocol):
    """One search on one executor: shards are submitted and results collected in any order."""

    @property
    def slots(self) -> int:
        """Task slots the executor offers now (for shard sizing and the in-flight window)."""
        ...

    def set_shortlist(self, shortlist: np.ndarray) -> None:
        """Ship the Stage A shortlist once, before any Stage B shard."""
        ...

    def submit(self, task: ShardTask) -> None: ...

    def collect(self, timeout_seconds: float) -> list[ShardResult]:
        """Results finished so far (waits up to the timeout for the first); raises if a shard failed
        beyond the executor's retries. A result may be delivered more than once."""
        ...

    def cancel(self) -> None:
        """Stop every shard still queued or running; returns without waiting for them."""
        ...

    def close(self) -> None: ...


class SearchExecutor(Protocol):
    name: str

    def open(self, plan: SearchPlan, search_id: str) -> ExecutorSession:
        """Ship what every shard needs (the plan: request, config, rolled-up timeline arrays) once."""
        ...
