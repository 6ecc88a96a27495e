"""Which validated searches the job runner accepts: none yet. The runner streams one staged search;
a holdout or walk-forward run is refused at submission instead of silently running unvalidated."""

from __future__ import annotations

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.shared.errors import DomainError, ErrorDetail


def require_sync_validation(request: RunBacktestRequest) -> None:
    if request.validation is not None:
        message = f"{request.validation.mode} validation runs synchronously (POST /api/backtests), not as a job yet"
        raise DomainError(
            "validation_error",
            message,
            details=[ErrorDetail("validation.mode", "unsupported_in_jobs", message)],
        )
