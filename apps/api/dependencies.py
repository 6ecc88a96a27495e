"""Request-scoped access to what the app built once at start-up: settings, run context, job store, user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from apps.api.admission import AdmissionGate
from apps.api.settings import ApiSettings
from trading.contexts.backtest.application.dto.heatmap import HeatmapRequest, HeatmapResponse
from trading.contexts.backtest.application.dto.run_backtest import (
    PreflightResponse,
    RunBacktestRequest,
    RunBacktestResponse,
    VariantReportRequest,
    VariantReportResponse,
)
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services.validation.heatmap import build_heatmap
from trading.contexts.backtest.application.use_cases import run_backtest as use_cases
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_walk_forward import run_search
from trading.contexts.identity.application.resolve_user import resolve_user
from trading.shared.errors import DomainError


@dataclass(frozen=True)
class BacktestUseCases:
    """The application entry points the routes call; tests replace them through dependency_overrides."""

    run: Callable[..., RunBacktestResponse]
    preflight: Callable[[RunBacktestRequest, BacktestContext], PreflightResponse]
    report: Callable[[VariantReportRequest, BacktestContext], VariantReportResponse]
    defaults: Callable[[BacktestContext], dict[str, Any]]
    heatmap: Callable[[HeatmapRequest, BacktestContext], HeatmapResponse] = build_heatmap


def default_use_cases() -> BacktestUseCases:
    return BacktestUseCases(
        run=run_search,
        preflight=use_cases.preflight_backtest,
        report=use_cases.build_variant_report,
        defaults=use_cases.runtime_defaults,
    )


# The cheap dependencies are async: FastAPI runs sync ones in the worker-thread pool, and a request
# must not need a free thread just to be refused (admission) or to answer health.


async def get_use_cases() -> BacktestUseCases:
    return default_use_cases()


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


async def get_backtest_context(request: Request) -> BacktestContext:
    return request.app.state.backtest_context


async def get_sync_admission(request: Request) -> AdmissionGate:
    return request.app.state.sync_admission


def jobs_disabled_error() -> DomainError:
    return DomainError(
        "jobs_disabled",
        "async jobs are disabled by configuration (backtest.jobs.enabled: false); run the search synchronously",
        status=409,
    )


def get_jobs_repository(request: Request) -> BacktestJobsRepository:
    repository = request.app.state.jobs_repository
    if repository is None:
        raise jobs_disabled_error()
    return repository


async def current_user(
    request: Request,
    authorization: Annotated[str | None, Header(description="`Bearer <token>` when auth is on")] = None,
) -> str:
    """The caller's user id; with auth off every request is the local user."""
    settings: ApiSettings = request.app.state.settings
    return resolve_user(authorization, settings.auth)


UseCases = Annotated[BacktestUseCases, Depends(get_use_cases)]
Context = Annotated[BacktestContext, Depends(get_backtest_context)]
Settings = Annotated[ApiSettings, Depends(get_settings)]
JobsRepository = Annotated[BacktestJobsRepository, Depends(get_jobs_repository)]
CurrentUser = Annotated[str, Depends(current_user)]
SyncAdmission = Annotated[AdmissionGate, Depends(get_sync_admission)]
