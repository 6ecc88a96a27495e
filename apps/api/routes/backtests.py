"""Sync backtest endpoints: run (summary only), preflight, one variant's report, heatmap, runtime defaults."""

from __future__ import annotations

import asyncio
import threading

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from apps.api.admission import planning_post
from apps.api.dependencies import Context, CurrentUser, SyncAdmission, UseCases
from apps.api.dto.backtest_runtime_defaults import RuntimeDefaultsResponse
from apps.api.dto.backtests import (
    PreflightResponse,
    RunBacktestRequest,
    RunBacktestResponse,
    VariantReportRequest,
    VariantReportResponse,
)
from apps.api.errors import body_field_errors, error_responses
from trading.contexts.backtest.application.dto.heatmap import HeatmapRequest, HeatmapResponse

DISCONNECT_POLL_SECONDS = 0.2

router = APIRouter(prefix="/api/backtests", tags=["backtests"], responses=error_responses(400, 401, 404, 413, 422, 500))


async def _stop_on_disconnect(request: Request, stop: threading.Event) -> None:
    while not await request.is_disconnected():
        await asyncio.sleep(DISCONNECT_POLL_SECONDS)
    stop.set()


@router.post("", response_model=RunBacktestResponse, responses=error_responses(429, 503))
async def run_backtest_sync(
    body: RunBacktestRequest,
    request: Request,
    _user: CurrentUser,
    ctx: Context,
    cases: UseCases,
    admission: SyncAdmission,
) -> RunBacktestResponse:
    """Staged search in a worker thread (the event loop stays free); variants come back in rank order.

    Only `sync.admission.max_running` searches run at once; a few more wait briefly, the rest get
    429/503 `server_busy` with `Retry-After` at once. A client disconnect stops the search; past
    `sync.sync_deadline_seconds` it fails with `sync_deadline_exceeded` (run it as a job instead).
    """
    async with admission.admitted():
        stop = threading.Event()
        watcher = asyncio.create_task(_stop_on_disconnect(request, stop))
        try:
            with body_field_errors():
                return await run_in_threadpool(
                    cases.run,
                    body,
                    ctx,
                    should_stop=stop.is_set,
                    deadline_seconds=ctx.config.sync.sync_deadline_seconds,
                )
        finally:
            stop.set()
            watcher.cancel()


@planning_post(router, "/preflight", response_model=PreflightResponse)
async def preflight_backtest(
    body: RunBacktestRequest, _user: CurrentUser, ctx: Context, cases: UseCases
) -> PreflightResponse:
    """Variant counts and memory estimate, no compute; `fits` says whether the guards would accept it."""
    with body_field_errors():
        return await run_in_threadpool(cases.preflight, body, ctx)


@planning_post(router, "/variant-report", response_model=VariantReportResponse)
async def variant_report(
    body: VariantReportRequest, _user: CurrentUser, ctx: Context, cases: UseCases
) -> VariantReportResponse:
    """Recompute one explicit variant with full details (rows, table_md, trades, equity)."""
    with body_field_errors():
        return await run_in_threadpool(cases.report, body, ctx)


@router.post("/heatmap", response_model=HeatmapResponse)
def heatmap(body: HeatmapRequest, _user: CurrentUser, ctx: Context, cases: UseCases) -> HeatmapResponse:
    """One ranking metric over two axes of the search's grid (default sl_pct x tp_pct), every other
    parameter held at the variant's values; metric-only. More cells than `validation.heatmap_max_cells`
    fail with 422 `heatmap_too_large` naming both numbers."""
    with body_field_errors():
        return cases.heatmap(body, ctx)


@router.get("/runtime-defaults", response_model=RuntimeDefaultsResponse)
def runtime_defaults(_user: CurrentUser, ctx: Context, cases: UseCases) -> RuntimeDefaultsResponse:
    """The effective defaults, allowed ranking metrics and guard limits the UI prefills from."""
    return RuntimeDefaultsResponse.model_validate(cases.defaults(ctx))
