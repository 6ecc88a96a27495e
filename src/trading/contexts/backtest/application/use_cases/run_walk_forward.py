"""Walk-forward validation: per fold an independent staged search on the train window (same
objective, preselect and grid) picks its best variant, which is then run on the following test window.
The folds share no state: each search plans and loads only its own window (plus the request's
warm-up before it), so no fold's choice can depend on a bar after its train window (tested)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import (
    RunBacktestRequest,
    RunBacktestResponse,
    VariantPayload,
)
from trading.contexts.backtest.application.dto.validation import (
    WalkForwardFold,
    WalkForwardReport,
    WalkForwardValidation,
)
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor, SearchObserver
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.report_table_formatter import metric_rows
from trading.contexts.backtest.application.services.reporting_service_v1 import equity_points
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SearchStopped
from trading.contexts.backtest.application.services.staged_runner_v1 import metrics_as_json
from trading.contexts.backtest.application.services.validation.grid_coordinates import payload_value, request_axes
from trading.contexts.backtest.application.services.validation.walk_forward import (
    FoldWindow,
    efficiency,
    fold_windows,
    parameter_frequencies,
    stitch,
)
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    ProgressCallback,
    SearchResult,
    StopCheck,
    SyncObserver,
    details_for,
    prepare_explicit_variant,
    ranked_search,
    run_backtest,
)
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.services.report_metrics import compute_report_metrics
from trading.contexts.backtest.domain.value_objects.execution import RankingMetricName
from trading.contexts.market_data.domain.timeline import TIMEFRAMES
from trading.shared.errors import DomainError


def run_search(
    request: RunBacktestRequest,
    ctx: BacktestContext,
    *,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    deadline_seconds: float | None = None,
    executor: SearchExecutor | None = None,
) -> RunBacktestResponse:
    """The sync entry of API and CLI: walk-forward requests run fold by fold, the rest is one search."""
    run = run_walk_forward if isinstance(request.validation, WalkForwardValidation) else run_backtest
    return run(
        request, ctx, progress=progress, should_stop=should_stop, deadline_seconds=deadline_seconds, executor=executor
    )


def run_walk_forward(
    request: RunBacktestRequest,
    ctx: BacktestContext,
    *,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    deadline_seconds: float | None = None,
    executor: SearchExecutor | None = None,
) -> RunBacktestResponse:
    """The response's rows are the last fold's ranking (the most recent train window); `validation`
    holds the walk-forward report. One deadline covers all folds."""
    started = time.perf_counter()
    deadline_at = None if deadline_seconds is None else time.monotonic() + deadline_seconds
    observer = SyncObserver(progress, should_stop, deadline_at)
    windows = walk_forward_windows(request)
    folds, parts, last = [], [], None
    for number in range(1, len(windows) + 1):
        try:
            last, fold, details = run_fold(
                request, ctx, windows, number, FoldObserver(observer, number, len(windows)), executor
            )
        except SearchStopped:
            raise _fold_stopped_error(observer, deadline_seconds, number) from None
        folds.append(fold)
        parts.append(details)
    assert last is not None
    report = walk_forward_report(request, windows, folds, last.response.ranking.primary_metric, parts)
    timings = {**last.response.timings, "total_seconds": round(time.perf_counter() - started, 6)}
    return last.response.model_copy(update={"validation": report, "timings": timings})


def walk_forward_windows(request: RunBacktestRequest) -> list[FoldWindow]:
    validation = request.validation
    assert isinstance(validation, WalkForwardValidation)
    return fold_windows(request, validation)


def run_fold(
    request: RunBacktestRequest,
    ctx: BacktestContext,
    windows: Sequence[FoldWindow],
    number: int,
    observer: SearchObserver,
    executor: SearchExecutor | None = None,
) -> tuple[SearchResult, WalkForwardFold, VariantScoreDetails]:
    """Fold `number` (1-based): an independent staged search on its train window (raises SearchStopped
    when `observer` says stop), and its best row on the test window (metrics and details)."""
    window = windows[number - 1]
    result = ranked_search(
        request.model_copy(update={"time_range": window.train, "validation": None}), ctx, observer, executor
    )
    if not result.response.variants:
        raise DomainError(
            "walk_forward_fold_empty",
            f"fold {number}: no variant of the train window {window.train.start:%Y-%m-%d %H:%M} .. "
            f"{window.train.end:%Y-%m-%d %H:%M} meets the constraints, so the fold has nothing to trade; "
            "relax the constraints or lengthen the train window",
            status=422,
            extra={"fold": number},
        )
    best = result.response.variants[0]
    details = test_window_details(request, ctx, window, best.payload)
    axes = request_axes(request.indicators, request.risk)
    fold = WalkForwardFold(
        fold=number,
        train_start=window.train.start,
        train_end=window.train.end,
        test_start=window.test.start,
        test_end=window.test.end,
        variant_key=best.variant_key,
        params={axis.name: payload_value(axis, best.payload) for axis in axes if len(axis.values) > 1},
        payload=best.payload.model_dump(mode="json"),
        in_sample=best.ranking_metrics,
        out_of_sample=metrics_as_json(list(details.metrics.as_dict().values())),
    )
    return result, fold, details


def walk_forward_report(
    request: RunBacktestRequest,
    windows: Sequence[FoldWindow],
    folds: Sequence[WalkForwardFold],
    metric: RankingMetricName,
    parts: Sequence[VariantScoreDetails],
) -> WalkForwardReport:
    """The report from the folds and their test windows' details (`parts`, in fold order; a resumed job
    re-runs them for the folds it restored with `test_window_details`), the windows stitched."""
    validation = request.validation
    assert isinstance(validation, WalkForwardValidation)
    bar_ms = TIMEFRAMES[request.timeframe]
    stitched = stitch(parts)
    test_start, test_end = windows[0].test.start_ms, windows[-1].test.end_ms
    return WalkForwardReport(
        metric=metric,
        anchored=validation.anchored,
        folds=list(folds),
        stitched_metrics=metrics_as_json(list(stitched.metrics.as_dict().values())),
        stitched_rows=metric_rows(compute_report_metrics(stitched, test_start, test_end)),
        stitched_equity=equity_points(stitched, bar_ms),
        efficiency=efficiency(
            folds,
            [(w.train.end_ms - w.train.start_ms) // bar_ms for w in windows],
            [(w.test.end_ms - w.test.start_ms) // bar_ms for w in windows],
        ),
        parameter_frequencies=parameter_frequencies(folds),
    )


def test_window_details(
    request: RunBacktestRequest, ctx: BacktestContext, window: FoldWindow, payload: VariantPayload
) -> VariantScoreDetails:
    """The chosen variant on the test window, warm-up from the bars before it (the details path)."""
    test_context = request.run_context().model_copy(update={"time_range": window.test})
    return details_for(prepare_explicit_variant(test_context, payload, ctx), 0, np.zeros(1, dtype=np.int64))


class FoldObserver:
    """A fold's search observer: stages named per fold (`fold 2/5: stage_b`), so progress counts folds
    and variants; stop checks go to the run's observer; a fold keeps no Stage B checkpoint (a resumed
    walk-forward restarts the unfinished fold)."""

    def __init__(self, run: SearchObserver, number: int, folds: int) -> None:
        self._run = run
        self._prefix = f"fold {number}/{folds}: "

    def on_progress(self, stage: str, processed: int, total: int) -> None:
        self._run.on_progress(self._prefix + stage, processed, total)

    def should_stop(self) -> bool:
        return self._run.should_stop()

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None:
        """Folds are checkpointed whole, not per chunk."""


def _fold_stopped_error(observer: SyncObserver, deadline_seconds: float | None, number: int) -> DomainError:
    if observer.deadline_passed:
        return DomainError(
            "sync_deadline_exceeded",
            f"the walk-forward did not finish within the sync deadline of {deadline_seconds:g} s "
            f"(stopped in fold {number}); run it as a job (POST /api/backtests/jobs) instead",
            status=422,
            extra={"deadline_seconds": deadline_seconds},
        )
    return DomainError("cancelled", "the walk-forward was cancelled", status=409)
