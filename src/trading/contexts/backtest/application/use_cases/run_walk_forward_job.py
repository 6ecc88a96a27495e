"""A walk-forward request as a job: the folds run one after another under the job's observer, and
every finished fold is checkpointed whole (its chosen variant and metrics). A worker that resumes the
job after a crash or a release starts at the first unfinished fold; the finished folds' searches are
never run again. The report is built from the stored folds exactly as the sync run builds it from
its own, so the job's report equals the sync walk-forward's."""

from __future__ import annotations

from typing import Any

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest, VariantPayload
from trading.contexts.backtest.application.dto.validation import WalkForwardFold
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor
from trading.contexts.backtest.application.services.job_runner_streaming_v1 import JobStreamObserver
from trading.contexts.backtest.application.services.job_top_rows import top_rows_of
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_walk_forward import (
    FoldObserver,
    run_fold,
    test_window_details,
    walk_forward_report,
    walk_forward_windows,
)

CHECKPOINT_VERSION = 1


def run_walk_forward_job(
    request: RunBacktestRequest,
    ctx: BacktestContext,
    observer: JobStreamObserver,
    stored_checkpoint: dict[str, Any] | None,
    executor: SearchExecutor | None = None,
) -> None:
    """Runs the unfinished folds (raises SearchStopped when the observer stops the run), then stores the
    report. The job's top is the latest fold's ranking, written before that fold's checkpoint."""
    windows = walk_forward_windows(request)
    folds, metric = _finished_folds(stored_checkpoint)
    # The restored folds' test windows are re-run (one report each, no search) for the stitched record.
    parts = [
        test_window_details(request, ctx, window, VariantPayload.model_validate(fold.payload))
        for window, fold in zip(windows, folds, strict=False)
    ]
    for number in range(len(folds) + 1, len(windows) + 1):
        fold_observer = FoldObserver(observer, number, len(windows))
        result, fold, details = run_fold(request, ctx, windows, number, fold_observer, executor)
        folds.append(fold)
        parts.append(details)
        metric = result.response.ranking.primary_metric
        observer.write_rows(top_rows_of(result.response.variants, result.frontier, result.prepared))
        observer.save_checkpoint(
            {
                "version": CHECKPOINT_VERSION,
                "metric": metric,
                "walk_forward_folds": [f.model_dump(mode="json") for f in folds],
            }
        )
        if observer.lease_lost:
            return
    assert metric is not None
    report = walk_forward_report(request, windows, folds, metric, parts)
    observer.write_validation(report.model_dump(mode="json"))


def _finished_folds(checkpoint: dict[str, Any] | None) -> tuple[list[WalkForwardFold], Any]:
    """The folds a previous attempt finished; none for a fresh job or another checkpoint format."""
    if checkpoint is None or checkpoint.get("version") != CHECKPOINT_VERSION or "walk_forward_folds" not in checkpoint:
        return [], None
    return [WalkForwardFold.model_validate(fold) for fold in checkpoint["walk_forward_folds"]], checkpoint["metric"]
