"""Run one claimed job to an end state with the same staged core as the sync search.

plan -> prepare -> Stage A (skipped when a checkpoint holds the shortlist) -> Stage B streaming
snapshots and checkpoints -> final snapshot (only if the top changed) -> terminal state. Finalizing
never builds reports; reports come only from the variant-report endpoint, on demand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import ValidationError

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor
from trading.contexts.backtest.application.services.executor_selection import driver_settings, runs_on_cluster
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.job_runner_streaming_v1 import (
    JobCadence,
    JobStreamObserver,
    LeaseKeeper,
    ShutdownFlag,
    StageBCheckpoint,
    StopReason,
)
from trading.contexts.backtest.application.services.shard_plan import plan_ranges
from trading.contexts.backtest.application.services.sharded_search_driver import (
    DriverSettings,
    ShardedSearchDriver,
    StageShards,
)
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SearchStopped
from trading.contexts.backtest.application.services.staged_runner_v1 import (
    PreparedSearch,
    plan_search,
    prepare_search,
    ranked_variants,
)
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, limit_numba_threads
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow
from trading.contexts.backtest.domain.value_objects.execution import RANKING_METRICS
from trading.shared.errors import DomainError, ErrorDetail

logger = logging.getLogger(__name__)


class JobOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RELEASED = "released"  # graceful worker stop: checkpointed, lease handed back
    LEASE_LOST = "lease_lost"  # another worker owns the job now; nothing was written after the loss


def job_search_request(request_json: dict[str, Any], default_top_k: int) -> RunBacktestRequest:
    """The stored request with the persisted top size pinned (request.top_k, else the jobs default)."""
    request = RunBacktestRequest.model_validate(request_json)
    return request.model_copy(update={"top_k": request.top_k or default_top_k})


def job_top_rows(prepared: PreparedSearch, shortlist: np.ndarray, frontier: Frontier) -> list[JobTopRow]:
    """The frontier as stored rows; metrics are the frontier's exact floats (inf and NaN kept)."""
    return [
        JobTopRow(
            rank=variant.rank,
            variant_key=variant.variant_key,
            indicator_variant_key=variant.indicator_variant_key,
            variant_index=variant.variant_index,
            total_return_pct=float(metrics[RANKING_METRICS.index("total_return_pct")]),
            ranking_metrics={name: float(metrics[i]) for i, name in enumerate(RANKING_METRICS)},
            payload=variant.payload.model_dump(mode="json"),
        )
        for variant, metrics in zip(ranked_variants(prepared, shortlist, frontier), frontier.metrics, strict=True)
    ]


def job_error_json(exc: Exception) -> dict[str, Any]:
    """The structured `{code, message, details}` a failed job stores."""
    if isinstance(exc, ValidationError):
        exc = DomainError("validation_error", "the stored job request is invalid", details=_details(exc.errors()))
    if isinstance(exc, DomainError):
        return exc.payload()["error"]
    return {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}", "details": []}


def run_backtest_job(
    job: BacktestJob,
    repo: BacktestJobsRepository,
    ctx: BacktestContext,
    worker_id: str,
    shutdown: ShutdownFlag | None = None,
    executor: SearchExecutor | None = None,
) -> JobOutcome:
    """Drive a job this worker has just claimed to an outcome; never raises for a bad request or a
    failing search (those end the job `failed` with a structured error). With an `executor`, a search
    big enough for it runs as shards there (same result, bit for bit)."""
    cadence = JobCadence.from_config(ctx.config.jobs)
    with LeaseKeeper(repo, job.id, worker_id, cadence) as lease:
        observer = JobStreamObserver(repo, job.id, worker_id, lease, shutdown or threading.Event(), cadence)
        try:
            return _search(job, repo, ctx, worker_id, observer, executor)
        except SearchStopped:
            return _stopped(job, repo, worker_id, observer)
        except Exception as exc:
            if lease.lost:
                return JobOutcome.LEASE_LOST
            error = job_error_json(exc)
            if isinstance(exc, DomainError | ValidationError):
                logger.warning("job %s failed: %s: %s", job.id, error["code"], error["message"])
            else:
                logger.exception("job %s failed", job.id)
            failed = repo.finish(job.id, worker_id, JobState.FAILED, error)
            return JobOutcome.FAILED if failed else JobOutcome.LEASE_LOST


def _search(
    job: BacktestJob,
    repo: BacktestJobsRepository,
    ctx: BacktestContext,
    worker_id: str,
    observer: JobStreamObserver,
    executor: SearchExecutor | None,
) -> JobOutcome:
    request = job_search_request(job.request_json, ctx.config.jobs.top_k_persisted_default)
    plan = plan_search(request, ctx.store(), ctx.config)
    plan.raise_problems()
    limit_numba_threads(ctx.config)
    prepared = prepare_search(plan, observer.on_setup)
    stored = repo.load_checkpoint(job.id)
    checkpoint = None if stored is None else StageBCheckpoint.from_json(stored, plan.spec)
    if executor is not None and runs_on_cluster(plan, ctx.config.distributed):
        frontier = _sharded(prepared, executor, driver_settings(ctx.config.distributed), observer, checkpoint)
    else:
        frontier = _in_process(prepared, observer, checkpoint)
    observer.write_top_if_changed(frontier)
    observer.flush_progress()
    if observer.lease_lost:
        return JobOutcome.LEASE_LOST
    finished = repo.finish(job.id, worker_id, JobState.SUCCEEDED)
    return JobOutcome.SUCCEEDED if finished else JobOutcome.LEASE_LOST


def _in_process(prepared: PreparedSearch, observer: JobStreamObserver, checkpoint: StageBCheckpoint | None) -> Frontier:
    plan = prepared.plan
    resumed = checkpoint is not None
    if checkpoint is None:
        checkpoint = StageBCheckpoint(prepared.core.stage_a(plan.sizes.preselect, observer), 0, None)
    shortlist = checkpoint.shortlist
    observer.begin_stage_b(checkpoint, lambda frontier: job_top_rows(prepared, shortlist, frontier), resumed)
    return prepared.core.stage_b(
        shortlist, plan.sizes.top_k, observer, start_index=checkpoint.next_index, frontier=checkpoint.frontier
    )


def _sharded(
    prepared: PreparedSearch,
    executor: SearchExecutor,
    settings: DriverSettings,
    observer: JobStreamObserver,
    checkpoint: StageBCheckpoint | None,
) -> Frontier:
    """The driver's Stage B checkpoints are its merged shards and merged frontier, so a driver that
    resumes the job submits only the shards not merged yet. A checkpoint of an in-process run resumes
    as one merged shard covering the positions it had finished."""
    n_risk = prepared.core.risk.size
    driver = ShardedSearchDriver(prepared, executor, settings)

    def begin(shortlist: np.ndarray, resumed: bool, shards: StageShards | None) -> None:
        start = StageBCheckpoint(shortlist, 0, None, shards)
        observer.begin_stage_b(start, lambda frontier: job_top_rows(prepared, shortlist, frontier), resumed)

    def merged(shards: StageShards) -> None:
        observer.on_stage_b_shards(shards, shards.merged_units() * n_risk)

    if checkpoint is None:
        _, frontier = driver.run(
            observer, on_stage_a_done=lambda shortlist: begin(shortlist, False, None), on_stage_b_merged=merged
        )
        return frontier
    stage_b = checkpoint.shards or _resumed_in_process_state(prepared, checkpoint, settings)
    begin(checkpoint.shortlist, True, stage_b)
    _, frontier = driver.run(observer, shortlist=checkpoint.shortlist, stage_b=stage_b, on_stage_b_merged=merged)
    return frontier


def _resumed_in_process_state(
    prepared: PreparedSearch, checkpoint: StageBCheckpoint, settings: DriverSettings
) -> StageShards | None:
    """An in-process checkpoint (cursor + frontier) as shards: [0, cursor) merged, the rest planned."""
    if checkpoint.frontier is None or checkpoint.next_index == 0:
        return None
    core = prepared.core
    done = checkpoint.next_index // core.risk.size
    n_positions = int(checkpoint.shortlist.shape[0])
    rest = plan_ranges(n_positions - done, core.risk.size, core.space.n_bars, 1, settings.sizing)
    ranges = [range(0, done), *(range(done + r.start, done + r.stop) for r in rest)]
    return StageShards("stage_b", ranges, checkpoint.frontier, {0})


def _stopped(job: BacktestJob, repo: BacktestJobsRepository, worker_id: str, observer: JobStreamObserver) -> JobOutcome:
    reason = observer.stop_reason
    observer.flush_progress()
    if reason is StopReason.CANCELLED:
        ended = repo.finish(job.id, worker_id, JobState.CANCELLED)
        return JobOutcome.CANCELLED if ended else JobOutcome.LEASE_LOST
    if reason is StopReason.SHUTDOWN:
        observer.save_stage_b_state()
        released = repo.release(job.id, worker_id)
        return JobOutcome.RELEASED if released else JobOutcome.LEASE_LOST
    return JobOutcome.LEASE_LOST


def _details(errors: Sequence[Any]) -> list[ErrorDetail]:
    return [ErrorDetail(".".join(str(p) for p in err["loc"]), err["type"], err["msg"]) for err in errors]
