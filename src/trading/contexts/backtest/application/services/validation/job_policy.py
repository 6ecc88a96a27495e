"""A validated search is checked before it is enqueued as a job: a holdout split strictly inside the
time range, walk-forward folds that fit it. A bad request answers 422 at submit, as the sync run
would, instead of failing later in a worker."""

from __future__ import annotations

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.dto.validation import HoldoutValidation, WalkForwardValidation
from trading.contexts.backtest.application.services.validation.holdout import holdout_split
from trading.contexts.backtest.application.services.validation.walk_forward import fold_windows


def require_valid_validation(request: RunBacktestRequest) -> None:
    if isinstance(request.validation, HoldoutValidation):
        holdout_split(request, request.validation)
    elif isinstance(request.validation, WalkForwardValidation):
        fold_windows(request, request.validation)
