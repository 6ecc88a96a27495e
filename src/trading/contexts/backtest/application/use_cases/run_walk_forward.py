"""Walk-forward validation: per fold an independent staged search on the train window (same
objective, preselect and grid) picks its best variant, which is then run on the following test window.
The folds share no state: each search plans and loads only its own window (plus the request's
warm-up before it), so no fold's choice can depend on a bar after its train window (tested)."""

from __future__ import annotations

import time

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest, RunBacktestResponse
from trading.contexts.backtest.application.dto.validation import (
    WalkForwardFold,
    WalkForwardReport,
    WalkForwardValidation,
)
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor
from trading.contexts.backtest.application.services.report_table_formatter import metric_rows
from trading.contexts.backtest.application.services.reporting_service_v1 import equity_points
from trading.contexts.backtest.application.services.staged_runner_v1 import metrics_as_json
from trading.contexts.backtest.application.services.validation.grid_coordinates import payload_value, request_axes
from trading.contexts.backtest.application.services.validation.walk_forward import (
    efficiency,
    fold_windows,
    parameter_frequencies,
    stitch,
)
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    ProgressCallback,
    ProgressEvent,
    StopCheck,
    details_for,
    prepare_explicit_variant,
    run_backtest,
)
from trading.contexts.backtest.domain.services.report_metrics import compute_report_metrics
from trading.contexts.market_data.domain.timeline import TIMEFRAMES


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
    validation = request.validation
    assert isinstance(validation, WalkForwardValidation)
    started = time.perf_counter()
    deadline_at = None if deadline_seconds is None else time.monotonic() + deadline_seconds
    windows = fold_windows(request, validation)
    axes = request_axes(request.indicators, request.risk)
    bar_ms = TIMEFRAMES[request.timeframe]
    folds, parts, last = [], [], None
    for number, window in enumerate(windows, start=1):
        remaining = None if deadline_at is None else max(0.0, deadline_at - time.monotonic())
        last = run_backtest(
            request.model_copy(update={"time_range": window.train, "validation": None}),
            ctx,
            progress=_fold_progress(progress, number, len(windows)),
            should_stop=should_stop,
            deadline_seconds=remaining,
            executor=executor,
        )
        best = last.variants[0]
        test_context = request.run_context().model_copy(update={"time_range": window.test})
        details = details_for(prepare_explicit_variant(test_context, best.payload, ctx), 0, np.zeros(1, dtype=np.int64))
        parts.append(details)
        folds.append(
            WalkForwardFold(
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
        )
    assert last is not None
    stitched = stitch(parts)
    test_start, test_end = windows[0].test.start_ms, windows[-1].test.end_ms
    report = WalkForwardReport(
        metric=last.ranking.primary_metric,
        anchored=validation.anchored,
        folds=folds,
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
    timings = {**last.timings, "total_seconds": round(time.perf_counter() - started, 6)}
    return last.model_copy(update={"validation": report, "timings": timings})


def _fold_progress(progress: ProgressCallback | None, number: int, folds: int) -> ProgressCallback | None:
    """Stages named per fold (`fold 2/5: stage_b`), so progress counts folds and variants."""
    if progress is None:
        return None
    return lambda event: progress(ProgressEvent(f"fold {number}/{folds}: {event.stage}", event.processed, event.total))
