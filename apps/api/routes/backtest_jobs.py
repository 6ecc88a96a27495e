"""Async job endpoints: submit, list, read, live top, cancel. Every read is scoped to the caller."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from apps.api.admission import planning_post
from apps.api.dependencies import BacktestUseCases, Context, CurrentUser, JobsRepository, UseCases
from apps.api.dto.backtest_jobs import (
    JobCreatedResponse,
    JobListResponse,
    JobResponse,
    JobTopResponse,
    JobValidationResponse,
    job_list_response,
    job_response,
    job_top_response,
)
from apps.api.dto.backtests import PreflightResponse, RunBacktestRequest
from apps.api.errors import body_field_errors, error_responses
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services.validation.job_policy import require_valid_validation
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState
from trading.contexts.backtest.domain.entities.backtest_job_errors import active_jobs_limit_error
from trading.shared.errors import DomainError, ErrorDetail

MAX_PAGE_SIZE = 100
MAX_TOP_LIMIT = 10_000
MAX_RUN_SECONDS_LIMIT = 30 * 24 * 3600.0

router = APIRouter(
    prefix="/api/backtests/jobs", tags=["backtest-jobs"], responses=error_responses(401, 404, 409, 422, 500)
)


def job_not_found(job_id: str) -> DomainError:
    return DomainError("job_not_found", f"no job {job_id!r} for this user", status=404)


def _owned_job(jobs: JobsRepository, job_id: str, user: str) -> BacktestJob:
    """Malformed ids, unknown ids and other users' jobs all answer the same 404."""
    try:
        parsed = UUID(job_id)
    except ValueError:
        raise job_not_found(job_id) from None
    job = jobs.get_job(parsed, user)
    if job is None:
        raise job_not_found(job_id)
    return job


def _problem_error(problem: dict[str, Any]) -> DomainError:
    """A preflight problem is a guard error's payload; this rebuilds the error (code, numbers and all)."""
    details = [ErrorDetail(d["path"], d["code"], d["message"]) for d in problem.get("details", [])]
    extra = {key: value for key, value in problem.items() if key not in ("code", "message", "details")}
    return DomainError(str(problem["code"]), str(problem["message"]), details=details, extra=extra)


def require_fits(preflight: PreflightResponse) -> None:
    """A job is enqueued only when the guards accept it, refused with the error a sync run would raise."""
    if preflight.problems:
        raise _problem_error(preflight.problems[0])


@planning_post(
    router, "", status_code=201, response_model=JobCreatedResponse, responses=error_responses(400, 422, 429, 503)
)
async def create_job(
    body: RunBacktestRequest,
    user: CurrentUser,
    ctx: Context,
    cases: UseCases,
    jobs: JobsRepository,
    max_run_seconds: Annotated[
        float | None,
        Query(gt=0, le=MAX_RUN_SECONDS_LIMIT, description="Fail the job (keeping its top) after this long."),
    ] = None,
    executor: Annotated[
        Literal["local", "ray"], Query(description="`ray`: run by a `trading worker --executor ray` on a cluster")
    ] = "local",
) -> JobCreatedResponse:
    """Validated (preflight) before it is enqueued; 429 `active_jobs_limit` at the per-user quota,
    checked first so an over-quota user costs no preflight; 503 `job_store_full` /
    `job_store_unavailable` (with Retry-After) when the job store cannot take it; 422
    `executor_disabled` for `executor=ray` while `distributed.enabled` is false. Runs in the
    planning lane."""
    return await run_in_threadpool(submit_job, body, user, ctx, cases, jobs, max_run_seconds, executor)


def submit_job(
    body: RunBacktestRequest,
    user: str,
    ctx: BacktestContext,
    cases: BacktestUseCases,
    jobs: BacktestJobsRepository,
    max_run_seconds: float | None = None,
    executor: Literal["local", "ray"] = "local",
) -> JobCreatedResponse:
    """The submit itself, synchronous (the route runs it in a worker thread; the CLI calls it directly)."""
    if executor == "ray" and not ctx.config.distributed.enabled:
        raise DomainError("executor_disabled", "the Ray executor is disabled by config (distributed.enabled=false)")
    limit = ctx.config.jobs.max_active_jobs_per_user
    if jobs.count_active_jobs(user) >= limit:
        raise active_jobs_limit_error(user, limit)
    with body_field_errors():
        require_valid_validation(body)
        require_fits(cases.preflight(body, ctx))
    job = jobs.create_job(user, body.model_dump(mode="json"), limit, max_run_seconds, executor)
    return JobCreatedResponse(job_id=job.id, state=job.state)


@router.get("", response_model=JobListResponse)
def list_jobs(
    user: CurrentUser,
    jobs: JobsRepository,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    state: Annotated[JobState | None, Query(description="Only jobs in this state")] = None,
) -> JobListResponse:
    return job_list_response(jobs.list_jobs(user, limit, cursor, state))


@router.get("/{job_id}", response_model=JobResponse)
def get_job(job_id: str, user: CurrentUser, jobs: JobsRepository) -> JobResponse:
    return job_response(_owned_job(jobs, job_id, user))


@router.get("/{job_id}/top", response_model=JobTopResponse)
def get_job_top(
    job_id: str, user: CurrentUser, jobs: JobsRepository, limit: Annotated[int, Query(ge=1, le=MAX_TOP_LIMIT)] = 100
) -> JobTopResponse:
    job = _owned_job(jobs, job_id, user)
    return job_top_response(job, jobs.get_top(job.id, user, limit) or [])


@router.get("/{job_id}/validation", response_model=JobValidationResponse)
def get_job_validation(job_id: str, user: CurrentUser, jobs: JobsRepository) -> JobValidationResponse:
    """The holdout summary or walk-forward report of a job that asked for validation; null until the
    job has stored it (a walk-forward job stores its report when its last fold is done)."""
    job = _owned_job(jobs, job_id, user)
    stored = jobs.get_validation(job.id, user)
    return JobValidationResponse.model_validate({"job_id": job.id, "state": job.state, "validation": stored})


@router.post("/{job_id}/cancel", response_model=JobResponse)
def cancel_job(job_id: str, user: CurrentUser, jobs: JobsRepository) -> JobResponse:
    """Idempotent: queued jobs end now, running ones stop at the next batch, terminal ones stay as they are."""
    job = jobs.request_cancel(_owned_job(jobs, job_id, user).id, user)
    if job is None:
        raise job_not_found(job_id)
    return job_response(job)
