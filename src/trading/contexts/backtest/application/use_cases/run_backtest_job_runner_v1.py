"""Run one claimed job to an end state with the same staged core as the sync search.

plan -> prepare -> Stage A (skipped when a checkpoint holds the shortlist) -> Stage B streaming
snapshots and checkpoints -> final snapshot (only if the top changed) -> terminal state. Finalizing
never builds reports; reports come only from the variant-report endpoint, on demand. A holdout job's
final rows also get their out-of-sample metrics (and the summary is stored); a walk-forward job runs
its folds instead (`run_walk_forward_job.py`).

Only an error in the request (or in the search itself) fails a job. A passing store failure (lost
connection, lock timeout, full disk) hands the job back with a backoff; its checkpoint makes the retry
resume where it stopped. A job past its run-time limit ends failed with its last top kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import ValidationError

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Jobs
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.dto.validation import HoldoutValidation, WalkForwardValidation
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
from trading.contexts.backtest.application.services.job_top_rows import top_rows_of
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
from trading.contexts.backtest.application.services.validation.holdout import (
    attach_out_of_sample,
    holdout_split,
    prepare_out_of_sample,
)
from trading.contexts.backtest.application.services.validation.stability import attach_stability
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, limit_numba_threads
from trading.contexts.backtest.application.use_cases.run_walk_forward_job import run_walk_forward_job
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState
from trading.contexts.backtest.domain.entities.backtest_job_errors import JobStoreUnavailableError
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow
from trading.shared.errors import DomainError, ErrorDetail

logger = logging.getLogger(__name__)


class JobOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RELEASED = "released"  # graceful worker stop: checkpointed, lease handed back
    RETRY_LATER = "retry_later"  # the store failed for a passing reason: handed back with a backoff
    LEASE_LOST = "lease_lost"  # another worker owns the job now; nothing was written after the loss


def job_search_request(request_json: dict[str, Any], default_top_k: int) -> RunBacktestRequest:
    """The stored request with the persisted top size pinned (request.top_k, else the jobs default)."""
    request = RunBacktestRequest.model_validate(request_json)
    return request.model_copy(update={"top_k": request.top_k or default_top_k})


def job_top_rows(prepared: PreparedSearch, shortlist: np.ndarray, frontier: Frontier) -> list[JobTopRow]:
    """The frontier as stored rows with their neighbourhood stability, as the sync rows carry it."""
    variants = ranked_variants(prepared, shortlist, frontier)
    attach_stability(prepared, shortlist, frontier, variants)
    return top_rows_of(variants, frontier, prepared)


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
    jobs = ctx.config.jobs
    cadence = JobCadence.from_config(jobs)
    with LeaseKeeper(repo, job.id, worker_id, cadence) as lease:
        deadline = time.monotonic() + run_seconds_left(job, jobs.max_run_seconds_default, datetime.now(UTC))
        observer = JobStreamObserver(
            repo, job.id, worker_id, lease, shutdown or threading.Event(), cadence, deadline=deadline
        )
        try:
            try:
                return _search(job, repo, ctx, worker_id, observer, executor)
            except SearchStopped:
                return _stopped(job, repo, worker_id, observer, _run_limit(job, jobs))
        except JobStoreUnavailableError as exc:
            return _retry_later(job, repo, worker_id, lease, jobs, exc)
        except Exception as exc:
            if lease.lost:
                return JobOutcome.LEASE_LOST
            error = job_error_json(exc)
            if isinstance(exc, DomainError | ValidationError):
                logger.warning("job %s failed: %s: %s", job.id, error["code"], error["message"])
            else:
                logger.exception("job %s failed", job.id)
            return _outcome(repo.finish(job.id, worker_id, JobState.FAILED, error))


def run_seconds_left(job: BacktestJob, default_limit: float | None, now: datetime) -> float:
    """Seconds until the job's run-time limit (its own, else the config default), counted from its first
    claim so retries and resumes do not restart the clock; inf without a limit."""
    limit = job.max_run_seconds or default_limit
    if limit is None:
        return float("inf")
    started = job.started_at or now
    return limit - (now - started).total_seconds()


def store_retry_delay(job: BacktestJob, jobs: Jobs) -> float:
    """Exponential backoff over the job's store retries so far, capped."""
    return min(
        jobs.store_retry_backoff_seconds * 2.0 ** min(job.store_retries, 30), jobs.store_retry_backoff_max_seconds
    )


def _search(
    job: BacktestJob,
    repo: BacktestJobsRepository,
    ctx: BacktestContext,
    worker_id: str,
    observer: JobStreamObserver,
    executor: SearchExecutor | None,
) -> JobOutcome:
    request = job_search_request(job.request_json, ctx.config.jobs.top_k_persisted_default)
    if isinstance(request.validation, WalkForwardValidation):
        run_walk_forward_job(request, ctx, observer, repo.load_checkpoint(job.id), executor)
    else:
        _staged(job, request, repo, ctx, observer, executor)
    observer.flush_progress()
    if observer.lease_lost:
        return JobOutcome.LEASE_LOST
    return _outcome(repo.finish(job.id, worker_id, JobState.SUCCEEDED))


def _staged(
    job: BacktestJob,
    request: RunBacktestRequest,
    repo: BacktestJobsRepository,
    ctx: BacktestContext,
    observer: JobStreamObserver,
    executor: SearchExecutor | None,
) -> None:
    """One staged search streaming snapshots and checkpoints; with holdout validation it runs on the
    in-sample range, and the final rows get their out-of-sample metrics and the summary is stored."""
    holdout = request.validation if isinstance(request.validation, HoldoutValidation) else None
    split = None if holdout is None else holdout_split(request, holdout)
    plan = plan_search(request if split is None else split.in_sample, ctx.store(), ctx.config)
    plan.raise_problems()
    limit_numba_threads(ctx.config)
    prepared = prepare_search(plan, observer.on_setup)
    stored = repo.load_checkpoint(job.id)
    checkpoint = None if stored is None else StageBCheckpoint.from_json(stored, plan.spec)
    if executor is not None and runs_on_cluster(plan, ctx.config.distributed):
        frontier = _sharded(prepared, executor, driver_settings(ctx.config.distributed), observer, checkpoint)
    else:
        frontier = _in_process(prepared, observer, checkpoint)
    if split is None:
        observer.write_top_if_changed(frontier)
        return
    shortlist = observer.shortlist
    variants = ranked_variants(prepared, shortlist, frontier)
    attach_stability(prepared, shortlist, frontier, variants)
    summary = attach_out_of_sample(
        variants, split, plan.spec.primary, prepare_out_of_sample(split, ctx.store(), ctx.config)
    )
    observer.write_rows(top_rows_of(variants, frontier, prepared), frontier)
    observer.write_validation(summary.model_dump(mode="json"))


def _in_process(prepared: PreparedSearch, observer: JobStreamObserver, checkpoint: StageBCheckpoint | None) -> Frontier:
    plan = prepared.plan
    resumed = checkpoint is not None
    if checkpoint is None:
        shortlist = prepared.core.stage_a(plan.sizes.preselect, observer)
        checkpoint = StageBCheckpoint(shortlist, 0, None, stage_a_rejections=prepared.core.stage_a_rejections)
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
        start = StageBCheckpoint(shortlist, 0, None, shards, prepared.core.stage_a_rejections)
        observer.begin_stage_b(start, lambda frontier: job_top_rows(prepared, shortlist, frontier), resumed)

    def merged(shards: StageShards) -> None:
        observer.on_stage_b_shards(shards, shards.merged_units() * n_risk)

    if checkpoint is None:
        _, frontier = driver.run(
            observer, on_stage_a_done=lambda shortlist: begin(shortlist, False, None), on_stage_b_merged=merged
        )
        return frontier
    stage_b = checkpoint.shards or _resumed_in_process_state(prepared, checkpoint, settings)
    prepared.core.stage_a_rejections = checkpoint.stage_a_rejections
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


def _stopped(
    job: BacktestJob, repo: BacktestJobsRepository, worker_id: str, observer: JobStreamObserver, limit: float | None
) -> JobOutcome:
    reason = observer.stop_reason
    observer.flush_progress()
    if reason is StopReason.CANCELLED:
        return _outcome(repo.finish(job.id, worker_id, JobState.CANCELLED))
    if reason is StopReason.TIME_LIMIT:
        observer.write_last_top()
        error = {
            "code": "max_run_time_exceeded",
            "message": f"the job ran longer than its limit of {limit} s; the top found so far is kept",
            "details": [],
        }
        return _outcome(repo.finish(job.id, worker_id, JobState.FAILED, error))
    if reason is StopReason.SHUTDOWN:
        observer.save_stage_b_state()
        released = repo.release(job.id, worker_id)
        return JobOutcome.RELEASED if released else JobOutcome.LEASE_LOST
    return JobOutcome.LEASE_LOST


def _retry_later(
    job: BacktestJob,
    repo: BacktestJobsRepository,
    worker_id: str,
    lease: LeaseKeeper,
    jobs: Jobs,
    exc: JobStoreUnavailableError,
) -> JobOutcome:
    """Hand the job back with a backoff; while the store stays down, keep trying for one lease period
    (after that the lease has expired and the job is reclaimed the ordinary way)."""
    delay = store_retry_delay(job, jobs)
    logger.warning("job %s: %s: %s; handing it back, retry in %.1f s", job.id, exc.code, exc.message, delay)
    give_up_at = time.monotonic() + jobs.lease_seconds
    while not lease.lost:
        try:
            released = repo.release(job.id, worker_id, retry_after_seconds=delay)
        except JobStoreUnavailableError:
            pause = min(delay, jobs.heartbeat_seconds)
            if time.monotonic() + pause >= give_up_at:
                break
            time.sleep(pause)
            continue
        return JobOutcome.RETRY_LATER if released else JobOutcome.LEASE_LOST
    return JobOutcome.LEASE_LOST


def _run_limit(job: BacktestJob, jobs: Jobs) -> float | None:
    return job.max_run_seconds or jobs.max_run_seconds_default


def _outcome(ended: JobState | None) -> JobOutcome:
    """The end state the store wrote (a pending cancel wins over the worker's own); None = lease gone."""
    return JobOutcome.LEASE_LOST if ended is None else JobOutcome(ended.value)


def _details(errors: Sequence[Any]) -> list[ErrorDetail]:
    return [ErrorDetail(".".join(str(p) for p in err["loc"]), err["type"], err["msg"]) for err in errors]
