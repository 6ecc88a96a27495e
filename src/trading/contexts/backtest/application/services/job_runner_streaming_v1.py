"""The streaming side of a job run: keep the lease alive from claim to the end, and turn the staged
core's chunk boundaries into throttled progress, cancel checks, top snapshots and checkpoints.

Every write is conditional on the lease (the repository returns False once it is gone); the first
refused write or failed heartbeat marks the lease lost and the run stops at the next chunk boundary
without writing anything more. Ranked rows are materialised only when a snapshot is actually written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol
from uuid import UUID

import numpy as np

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Jobs
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services.frontier import Frontier, RankingSpec
from trading.contexts.backtest.application.services.outcome_frontier import stage_b_frontier_from_state
from trading.contexts.backtest.application.services.result_constraints import constraint_rejections
from trading.contexts.backtest.application.services.sharded_search_driver import StageShards
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SearchStopped
from trading.contexts.backtest.domain.entities.backtest_job_errors import JobStoreUnavailableError
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow

logger = logging.getLogger(__name__)

# Progress rows are cheap but not free: at most one write per stage change or per this interval.
PROGRESS_SECONDS = 0.5
# 2: a Stage B frontier that collapses same outcomes stores its groups; a version-1 checkpoint starts over.
CHECKPOINT_VERSION = 2

Clock = Callable[[], float]
TopRowsOf = Callable[[Frontier], Sequence[JobTopRow]]


class ShutdownFlag(Protocol):
    """Set when the worker is asked to stop (e.g. SIGTERM); `threading.Event` is one."""

    def is_set(self) -> bool: ...


class StopReason(StrEnum):
    CANCELLED = "cancelled"  # the owner asked; finish as cancelled, keep the last snapshot
    SHUTDOWN = "shutdown"  # the worker is stopping; checkpoint and release the lease
    LEASE_LOST = "lease_lost"  # another worker may own the job now; write nothing more
    TIME_LIMIT = "time_limit"  # past max_run_seconds; fail the job, keep the last top


@dataclass(frozen=True)
class JobCadence:
    lease_seconds: float
    heartbeat_seconds: float
    snapshot_seconds: float
    snapshot_variants_step: int
    progress_seconds: float = PROGRESS_SECONDS

    @classmethod
    def from_config(cls, jobs: Jobs) -> JobCadence:
        return cls(jobs.lease_seconds, jobs.heartbeat_seconds, jobs.snapshot_seconds, jobs.snapshot_variants_step)


@dataclass(frozen=True)
class StageBCheckpoint:
    """Where Stage B resumes: the Stage A shortlist, the next variant index (a chunk boundary) and the
    frontier at that boundary (bit-exact), so a resumed run ends with exactly the uninterrupted top.
    A sharded run records its cut, the merged shard ids and the merged frontier in `shards` instead
    (its cursor stays 0 and its frontier None, so a reader that ignores shards starts Stage B over
    rather than merging shards twice). Stage A's rejection counts per constraint travel with the
    shortlist (Stage B's live in the frontier), so a resumed job reports the same counts."""

    shortlist: np.ndarray
    next_index: int
    frontier: Frontier | None
    shards: StageShards | None = None
    stage_a_rejections: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def to_json(self) -> dict[str, Any]:
        frontier = self.frontier
        data: dict[str, Any] = {
            "version": CHECKPOINT_VERSION,
            "shortlist": [int(i) for i in self.shortlist],
            "stage_b_next_index": self.next_index,
            "frontier_capacity": None if frontier is None else frontier.capacity,
            "frontier": None if frontier is None else frontier.to_state(),
        }
        if self.shards is not None:
            data["stage_b_shards"] = self.shards.to_json()
        if self.stage_a_rejections.size:
            data["stage_a_rejections"] = [int(n) for n in self.stage_a_rejections]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], spec: RankingSpec) -> StageBCheckpoint | None:
        """None for a checkpoint of another format version: the job then starts over."""
        if data.get("version") != CHECKPOINT_VERSION:
            return None

        def frontier_of(capacity: int, state: dict[str, list]) -> Frontier:
            return stage_b_frontier_from_state(capacity, spec, state)

        state = data["frontier"]
        frontier = None if state is None else frontier_of(int(data["frontier_capacity"]), state)
        shards_state = data.get("stage_b_shards")
        shards = None if shards_state is None else StageShards.from_json("stage_b", shards_state, frontier_of)
        stage_a_rejections = np.array(data.get("stage_a_rejections", []), dtype=np.int64)
        shortlist = np.array(data["shortlist"], dtype=np.int64)
        return cls(shortlist, int(data["stage_b_next_index"]), frontier, shards, stage_a_rejections)


class LeaseKeeper:
    """Extends the lease every `heartbeat_seconds` from a daemon thread, started right at the claim so a
    slow setup never loses the job. A refused heartbeat marks the lease lost for good; a passing store
    failure does not (the lease is still ours until it expires, and the next beat tries again)."""

    def __init__(self, repo: BacktestJobsRepository, job_id: UUID, worker_id: str, cadence: JobCadence) -> None:
        self._repo = repo
        self._job_id = job_id
        self._worker_id = worker_id
        self._cadence = cadence
        self._lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def mark_lost(self) -> None:
        self._lost.set()

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._done.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._done.wait(self._cadence.heartbeat_seconds) and not self.lost:
            try:
                extended = self._repo.heartbeat(self._job_id, self._worker_id, self._cadence.lease_seconds)
            except JobStoreUnavailableError as exc:
                logger.warning("heartbeat of job %s failed (%s); trying again at the next beat", self._job_id, exc)
                continue
            except Exception:
                logger.exception("heartbeat of job %s failed", self._job_id)
                extended = False
            if not extended:
                self.mark_lost()


class JobStreamObserver:
    """The staged core's observer for a job (progress, stop checks, Stage B snapshots/checkpoints).

    A snapshot is due when `snapshot_seconds` passed or `snapshot_variants_step` variants were scored
    since the last one (whichever comes first). When due, the checkpoint (cursor + frontier) is saved,
    and the top rows are rebuilt and replaced only if the frontier signature changed since the last
    top write. The final snapshot is written whenever the signature changed, due or not.
    """

    def __init__(
        self,
        repo: BacktestJobsRepository,
        job_id: UUID,
        worker_id: str,
        lease: LeaseKeeper,
        shutdown: ShutdownFlag,
        cadence: JobCadence,
        clock: Clock = time.monotonic,
        deadline: float = float("inf"),
    ) -> None:
        """`deadline` is on `clock`'s scale: the run-time limit, checked at every stop check."""
        self._repo = repo
        self._job_id = job_id
        self._worker_id = worker_id
        self._lease = lease
        self._shutdown = shutdown
        self._cadence = cadence
        self._clock = clock
        self._deadline = deadline
        self.stop_reason: StopReason | None = None
        self._pending_progress: tuple[str, int, int] | None = None
        self._progress_stage: str | None = None
        self._progress_at = -float("inf")
        self._shortlist: np.ndarray | None = None
        self._top_rows_of: TopRowsOf | None = None
        self._frontier: Frontier | None = None
        self._shards: StageShards | None = None
        self._stage_a_rejections = np.zeros(0, dtype=np.int64)
        self._next_index = 0
        self._snapshot_at = clock()
        self._snapshot_index = 0
        self._written_signature: tuple[tuple[str, ...], bytes, bytes] | None = None

    @property
    def lease_lost(self) -> bool:
        return self._lease.lost

    @property
    def shortlist(self) -> np.ndarray:
        """The Stage A shortlist Stage B ran on (set when Stage B begins)."""
        assert self._shortlist is not None, "Stage B has not begun"
        return self._shortlist

    # --- SearchObserver ---

    def on_progress(self, stage: str, processed: int, total: int) -> None:
        self._pending_progress = (stage, processed, total)
        now = self._clock()
        if stage != self._progress_stage or now - self._progress_at >= self._cadence.progress_seconds:
            self.flush_progress()

    def should_stop(self) -> bool:
        if self.stop_reason is None:
            if self._lease.lost:
                self.stop_reason = StopReason.LEASE_LOST
            elif self._shutdown.is_set():
                self.stop_reason = StopReason.SHUTDOWN
            elif self._clock() >= self._deadline:
                self.stop_reason = StopReason.TIME_LIMIT
            elif self._repo.is_cancel_requested(self._job_id):
                self.stop_reason = StopReason.CANCELLED
        return self.stop_reason is not None

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None:
        self._frontier, self._next_index = frontier, next_variant_index
        self._save_if_due(next_variant_index)

    def on_stage_b_shards(self, shards: StageShards, variants_merged: int) -> None:
        """A sharded Stage B merged one more shard: checkpoint the merged set when a snapshot is due."""
        self._shards, self._frontier = shards, shards.frontier
        self._save_if_due(variants_merged)

    def _save_if_due(self, variants_done: int) -> None:
        due = (
            self._clock() - self._snapshot_at >= self._cadence.snapshot_seconds
            or variants_done - self._snapshot_index >= self._cadence.snapshot_variants_step
        )
        if due:
            self.save_stage_b_state()
            self._snapshot_index = variants_done

    # --- run phases ---

    def on_setup(self, done: int, total: int) -> None:
        """Setup progress; also lets a cancel, a shutdown or a lost lease stop a long setup early."""
        self.on_progress("setup", done, total)
        if self.should_stop():
            raise SearchStopped

    def begin_stage_b(self, checkpoint: StageBCheckpoint, top_rows_of: TopRowsOf, resumed: bool) -> None:
        """Persist the shortlist (unless it came from a checkpoint) before Stage B starts scoring."""
        self._shortlist, self._top_rows_of = checkpoint.shortlist, top_rows_of
        self._frontier, self._next_index = checkpoint.frontier, checkpoint.next_index
        self._shards = checkpoint.shards
        self._stage_a_rejections = checkpoint.stage_a_rejections
        self._snapshot_index = checkpoint.next_index
        if not resumed:
            self._write(self._repo.save_checkpoint(self._job_id, self._worker_id, checkpoint.to_json()))
        if self._lease.lost:
            self.stop_reason = StopReason.LEASE_LOST
            raise SearchStopped

    def save_stage_b_state(self) -> None:
        """Checkpoint at the last chunk boundary, and the top too if the frontier changed."""
        if self._lease.lost or self._shortlist is None:
            return
        if self._shards is None:
            checkpoint = StageBCheckpoint(
                self._shortlist, self._next_index, self._frontier, stage_a_rejections=self._stage_a_rejections
            )
        else:
            checkpoint = StageBCheckpoint(self._shortlist, 0, None, self._shards, self._stage_a_rejections)
        self._write(self._repo.save_checkpoint(self._job_id, self._worker_id, checkpoint.to_json()))
        if self._frontier is not None:
            self.write_top_if_changed(self._frontier)
        self._snapshot_at, self._snapshot_index = self._clock(), self._next_index

    def write_last_top(self) -> None:
        """The frontier of the last chunk boundary as the job's top (a job stopped mid-Stage B)."""
        if self._frontier is not None:
            self.write_top_if_changed(self._frontier)

    def write_top_if_changed(self, frontier: Frontier) -> None:
        """The top rows and, with constraints, the rejection counts so far (one transaction)."""
        signature = (*frontier.signature(), frontier.rejections.tobytes())
        if self._lease.lost or signature == self._written_signature or self._top_rows_of is None:
            return
        rows = self._top_rows_of(frontier)
        rejections = self._rejections_json(frontier)
        if self._write(self._repo.replace_top(self._job_id, self._worker_id, rows, rejections)):
            self._written_signature = signature

    def _rejections_json(self, frontier: Frontier) -> list[dict[str, Any]]:
        constraints = frontier.spec.constraints
        stage_a = self._stage_a_rejections if self._stage_a_rejections.size else np.zeros(len(constraints))
        counts = constraint_rejections(constraints, stage_a, frontier.rejections)
        return [entry.model_dump(mode="json") for entry in counts]

    def write_rows(self, rows: Sequence[JobTopRow], frontier: Frontier | None = None) -> None:
        """Replace the top with rows built outside the Stage B stream: a walk-forward fold's ranking, or
        a holdout run's final rows with their out-of-sample metrics (and its `frontier`'s final
        rejection counts)."""
        if not self._lease.lost:
            rejections = [] if frontier is None else self._rejections_json(frontier)
            self._write(self._repo.replace_top(self._job_id, self._worker_id, rows, rejections))

    def save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """A checkpoint of another shape than Stage B's (a walk-forward's finished folds)."""
        if not self._lease.lost:
            self._write(self._repo.save_checkpoint(self._job_id, self._worker_id, checkpoint))

    def write_validation(self, report: dict[str, Any]) -> None:
        if not self._lease.lost:
            self._write(self._repo.save_validation(self._job_id, self._worker_id, report))

    def flush_progress(self) -> None:
        pending = self._pending_progress
        if pending is None or self._lease.lost:
            return
        stage, processed, total = pending
        if self._write(self._repo.update_progress(self._job_id, self._worker_id, stage, processed, total)):
            self._pending_progress = None
            self._progress_stage, self._progress_at = stage, self._clock()

    def _write(self, written: bool) -> bool:
        if not written:
            self._lease.mark_lost()
        return written
