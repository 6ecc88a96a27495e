"""Wire shapes of the jobs endpoints, and the mapping from stored jobs to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from trading.contexts.backtest.application.dto.run_backtest import (
    ConstraintRejections,
    MetricConstraintRequest,
    RankingRequest,
    RunContext,
    SameOutcome,
    VariantPayload,
)
from trading.contexts.backtest.application.dto.validation import NeighbourhoodStability, ValidationResult
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, BacktestJobPage, JobState
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow
from trading.contexts.backtest.domain.services.search_progress import FINISHED_WORDS, overall_fraction, stage_words


class JobCreatedResponse(BaseModel):
    job_id: UUID
    state: JobState


class JobRequestSummary(BaseModel):
    indicator_ids: list[str]
    ranking: RankingRequest
    constraints: list[MetricConstraintRequest] | None  # None: the config's default list
    top_k: int | None
    preselect: int | None


class JobResponse(BaseModel):
    """`run_context` plus a top row's `payload` is exactly a variant-report request; `request` is the
    full request as submitted (grid, risk, execution, ranking, ...), so a job can be shown and cloned."""

    job_id: UUID
    state: JobState
    stage: str | None
    processed: int
    total: int
    attempt: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested_at: datetime | None
    error: dict[str, Any] | None
    run_context: RunContext
    request_summary: JobRequestSummary
    request: dict[str, Any]
    overall_progress: float
    stage_words: str
    # Variants each constraint rejected so far (Stage A, Stage B); empty for a search without constraints.
    constraint_rejections: list[ConstraintRejections]


class JobListResponse(BaseModel):
    """Newest first; pass `next_cursor` back as `cursor` for the next page (null on the last page)."""

    items: list[JobResponse]
    next_cursor: str | None


class JobTopRowResponse(BaseModel):
    rank: int
    variant_key: str
    indicator_variant_key: str
    variant_index: int
    total_return_pct: float | None
    ranking_metrics: dict[str, float | None]
    payload: VariantPayload
    stability: NeighbourhoodStability | None = None
    oos_metrics: dict[str, float | None] | None = None
    same_outcome: SameOutcome | None = None


class JobTopResponse(BaseModel):
    """Ranking summary rows only; reports come from `POST /api/backtests/variant-report`."""

    job_id: UUID
    state: JobState
    rows: list[JobTopRowResponse]


class JobValidationResponse(BaseModel):
    job_id: UUID
    state: JobState
    validation: ValidationResult | None


def job_response(job: BacktestJob) -> JobResponse:
    """Reads only the run context and summary keys of the stored request, so a job stored by an older
    request schema still lists."""
    request = job.request_json
    return JobResponse(
        job_id=job.id,
        state=job.state,
        stage=job.stage,
        processed=job.processed,
        total=job.total,
        attempt=job.attempt,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        cancel_requested_at=job.cancel_requested_at,
        error=job.error_json,
        run_context=RunContext.model_validate({key: request.get(key) for key in RunContext.model_fields}),
        request_summary=JobRequestSummary(
            indicator_ids=[indicator["indicator_id"] for indicator in request.get("indicators") or []],
            ranking=RankingRequest.model_validate(request.get("ranking") or {}),
            constraints=request.get("constraints"),
            top_k=request.get("top_k"),
            preselect=request.get("preselect"),
        ),
        request=request,
        overall_progress=1.0 if job.state == "succeeded" else overall_fraction(job.stage, job.processed, job.total),
        stage_words=FINISHED_WORDS if job.is_terminal else stage_words(job.stage),
        constraint_rejections=[ConstraintRejections.model_validate(c) for c in job.constraint_rejections or []],
    )


def job_list_response(page: BacktestJobPage) -> JobListResponse:
    return JobListResponse(items=[job_response(job) for job in page.jobs], next_cursor=page.next_cursor)


def job_top_response(job: BacktestJob, rows: list[JobTopRow]) -> JobTopResponse:
    """Rows keep the stored rank order."""
    return JobTopResponse(
        job_id=job.id,
        state=job.state,
        rows=[
            JobTopRowResponse(
                rank=row.rank,
                variant_key=row.variant_key,
                indicator_variant_key=row.indicator_variant_key,
                variant_index=row.variant_index,
                total_return_pct=row.total_return_pct,
                ranking_metrics=dict(row.ranking_metrics),
                payload=VariantPayload.model_validate(row.payload),
                stability=None if row.stability is None else NeighbourhoodStability.model_validate(row.stability),
                oos_metrics=row.oos_metrics,
                same_outcome=None if row.same_outcome is None else SameOutcome.model_validate(row.same_outcome),
            )
            for row in rows
        ],
    )
