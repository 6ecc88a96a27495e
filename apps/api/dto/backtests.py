"""Sync backtest endpoints speak the application DTOs directly: one request model shared with jobs, and
a response already in rank order (the API never re-sorts or rebuilds it)."""

from trading.contexts.backtest.application.dto.run_backtest import (
    PreflightResponse,
    RankedVariant,
    RunBacktestRequest,
    RunBacktestResponse,
    VariantReportRequest,
    VariantReportResponse,
)

__all__ = [
    "PreflightResponse",
    "RankedVariant",
    "RunBacktestRequest",
    "RunBacktestResponse",
    "VariantReportRequest",
    "VariantReportResponse",
]
