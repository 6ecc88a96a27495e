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
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.job_runner_streaming_v1 import (
    JobCadence,
    JobStreamObserver,
    LeaseKeeper,
    ShutdownFlag,
    StageBCheckpoint,
    StopReason,
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
            ranking_metrics={
                name: float(metrics[i])
                for i, name in enumerate(RANKING_METRICS)
                if name in prepared.core.computed_metrics
            },
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
) -> JobOutcome:
    """Drive a job this worker has just claimed to an outcome; never raises for a bad request or a
    failing search (those end the job `failed` with a structured error)."""
    cadence = JobCadence.from_config(ctx.config.jobs)
    with LeaseKeeper(repo, job.id, worker_id, cadence) as lease:
        observer = JobStreamObserver(repo, job.id, worker_id, lease, shutdown or threading.Event(), cadence)
        try:
            return _search(job, repo, ctx, worker_id, observer)
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
    job: BacktestJob, repo: BacktestJobsRepository, ctx: BacktestContext, worker_id: str, observer: JobStreamObserver
) -> JobOutcome:
    request = job_search_request(job.request_json, ctx.config.jobs.top_k_persisted_default)
    plan = plan_search(request, ctx.store(), ctx.config)
    plan.raise_problems()
    limit_numba_threads(ctx.config)
    prepared = prepare_search(plan, observer.on_setup)
    stored = repo.load_checkpoint(job.id)
    checkpoint = None if stored is None else StageBCheckpoint.from_json(stored, plan.spec)
    resumed = checkpoint is not None
    if checkpoint is None:
        checkpoint = StageBCheckpoint(prepared.core.stage_a(plan.sizes.preselect, observer), 0, None)
    shortlist = checkpoint.shortlist
    observer.begin_stage_b(checkpoint, lambda frontier: job_top_rows(prepared, shortlist, frontier), resumed)
    frontier = prepared.core.stage_b(
        shortlist, plan.sizes.top_k, observer, start_index=checkpoint.next_index, frontier=checkpoint.frontier
    )
    observer.write_top_if_changed(frontier)
    observer.flush_progress()
    if observer.lease_lost:
        return JobOutcome.LEASE_LOST
    finished = repo.finish(job.id, worker_id, JobState.SUCCEEDED)
    return JobOutcome.SUCCEEDED if finished else JobOutcome.LEASE_LOST


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
