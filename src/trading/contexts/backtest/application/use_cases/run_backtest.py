"""Entry points the API, CLI and worker call. (Being implemented: signatures are final.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import BacktestRuntimeConfig
from trading.contexts.backtest.application.dto.run_backtest import (
    PreflightResponse,
    RunBacktestRequest,
    RunBacktestResponse,
    VariantReportRequest,
    VariantReportResponse,
)


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # "setup" | "stage_a" | "stage_b" | "done"
    processed: int
    total: int


ProgressCallback = Callable[[ProgressEvent], None]
StopCheck = Callable[[], bool]


@dataclass(frozen=True)
class BacktestContext:
    """Everything a run needs besides the request: where candles live and the runtime config."""

    data_dir: str
    config: BacktestRuntimeConfig


def run_backtest(
    request: RunBacktestRequest,
    ctx: BacktestContext,
    *,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    deadline_seconds: float | None = None,
) -> RunBacktestResponse:
    """Staged search; DomainError `sync_deadline_exceeded` past the deadline, `cancelled` when stopped."""
    raise NotImplementedError


def preflight_backtest(request: RunBacktestRequest, ctx: BacktestContext) -> PreflightResponse:
    raise NotImplementedError


def build_variant_report(request: VariantReportRequest, ctx: BacktestContext) -> VariantReportResponse:
    raise NotImplementedError


def runtime_defaults(ctx: BacktestContext) -> dict[str, Any]:
    raise NotImplementedError
