"""Entry points the API, CLI and worker call: sync search, preflight, one variant's report, defaults."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

import numba
import numpy as np

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import BacktestRuntimeConfig
from trading.contexts.backtest.application.dto.run_backtest import (
    CrossPairCount,
    PreflightResponse,
    RankingConfig,
    RunBacktestRequest,
    RunBacktestResponse,
    RunContext,
    VariantPayload,
    VariantReportRequest,
    VariantReportResponse,
)
from trading.contexts.backtest.application.dto.validation import WalkForwardValidation
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor, SearchObserver
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_variant_with_details
from trading.contexts.backtest.application.services.executor_selection import driver_settings, runs_on_cluster
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.report_indicator_lines import indicator_lines
from trading.contexts.backtest.application.services.reporting_service_v1 import MAX_EQUITY_POINTS
from trading.contexts.backtest.application.services.reporting_service_v1 import (
    build_variant_report as build_report_body,
)
from trading.contexts.backtest.application.services.result_constraints import constraint_rejections
from trading.contexts.backtest.application.services.sharded_search_driver import ShardedSearchDriver
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SearchStopped
from trading.contexts.backtest.application.services.staged_runner_v1 import (
    PreparedSearch,
    SearchPlan,
    metrics_as_json,
    plan_search,
    prepare_search,
    ranked_variants,
)
from trading.contexts.backtest.application.services.validation.holdout import (
    attach_out_of_sample,
    holdout_split,
    prepare_out_of_sample,
)
from trading.contexts.backtest.application.services.validation.stability import attach_stability
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.metric_constraints import ConstraintOp
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_CATALOG
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.timeline import TIMEFRAMES
from trading.shared.errors import DomainError


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # "setup" | "stage_a" | "stage_b"
    processed: int
    total: int


ProgressCallback = Callable[[ProgressEvent], None]
StopCheck = Callable[[], bool]


@dataclass(frozen=True)
class BacktestContext:
    """Everything a run needs besides the request: where candles live and the runtime config."""

    data_dir: str
    config: BacktestRuntimeConfig

    def store(self) -> CandleStore:
        return CandleStore(self.data_dir)


def limit_numba_threads(config: BacktestRuntimeConfig) -> None:
    """Numba's thread count is per calling thread; set it where the kernels will run."""
    numba.set_num_threads(max(1, min(config.cpu.max_numba_threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]


class SyncObserver:
    """Progress to the caller; stops at the next chunk when the caller asks or the deadline passes."""

    def __init__(
        self, progress: ProgressCallback | None, should_stop: StopCheck | None, deadline_at: float | None
    ) -> None:
        self._progress = progress
        self._should_stop = should_stop
        self._deadline_at = deadline_at

    @property
    def deadline_passed(self) -> bool:
        return self._deadline_at is not None and time.monotonic() > self._deadline_at

    def on_progress(self, stage: str, processed: int, total: int) -> None:
        if self._progress is not None:
            self._progress(ProgressEvent(stage, processed, total))

    def should_stop(self) -> bool:
        return self.deadline_passed or (self._should_stop is not None and self._should_stop())

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None:
        """Sync runs keep the frontier in memory only."""


@dataclass(frozen=True)
class SearchResult:
    """A finished search: the response, and the prepared search, shortlist and frontier it was ranked
    from (a job stores its rows from these with the frontier's exact floats)."""

    response: RunBacktestResponse
    prepared: PreparedSearch
    shortlist: np.ndarray
    frontier: Frontier


def run_backtest(
    request: RunBacktestRequest,
    ctx: BacktestContext,
    *,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    deadline_seconds: float | None = None,
    executor: SearchExecutor | None = None,
) -> RunBacktestResponse:
    """Staged search; DomainError `sync_deadline_exceeded` past the deadline, `cancelled` when stopped.
    With holdout validation the search runs on the in-sample range and the rows are scored after it.
    With an `executor`, a search big enough for it (`distributed.local_below_seconds`) runs as shards
    there; the result is the same bit for bit."""
    deadline_at = None if deadline_seconds is None else time.monotonic() + deadline_seconds
    observer = SyncObserver(progress, should_stop, deadline_at)
    plans: list[SearchPlan] = []
    try:
        return ranked_search(request, ctx, observer, executor, on_plan=plans.append).response
    except SearchStopped:
        raise _stopped_error(observer, deadline_seconds, plans[0]) from None


def ranked_search(
    request: RunBacktestRequest,
    ctx: BacktestContext,
    observer: SearchObserver,
    executor: SearchExecutor | None = None,
    on_plan: Callable[[SearchPlan], None] | None = None,
) -> SearchResult:
    """The search behind `run_backtest`, stopped by `observer` (raises SearchStopped), so a job can run
    it under its own observer (a walk-forward fold)."""
    started = time.perf_counter()
    if isinstance(request.validation, WalkForwardValidation):
        raise ValueError("walk-forward requests run through run_walk_forward, fold by fold")
    split = None if request.validation is None else holdout_split(request, request.validation)
    plan = plan_search(request if split is None else split.in_sample, ctx.store(), ctx.config)
    plan.raise_problems()
    if on_plan is not None:
        on_plan(plan)
    limit_numba_threads(ctx.config)
    prepared = prepare_search(plan, lambda done, total: observer.on_progress("setup", done, total))
    stage_a_started = time.perf_counter()
    if executor is not None and runs_on_cluster(plan, ctx.config.distributed):
        marks: list[float] = []
        driver = ShardedSearchDriver(prepared, executor, driver_settings(ctx.config.distributed))
        shortlist, frontier = driver.run(observer, on_stage_a_done=lambda _: marks.append(time.perf_counter()))
        stage_b_started = marks[0]
    else:
        shortlist = prepared.core.stage_a(plan.sizes.preselect, observer)
        stage_b_started = time.perf_counter()
        frontier = prepared.core.stage_b(shortlist, plan.sizes.top_k, observer)
    finished = time.perf_counter()
    variants = ranked_variants(prepared, shortlist, frontier)
    stability_started = time.perf_counter()
    attach_stability(prepared, shortlist, frontier, variants)
    stability_seconds = time.perf_counter() - stability_started
    summary = None
    if split is not None:
        oos = prepare_out_of_sample(split, ctx.store(), ctx.config)
        summary = attach_out_of_sample(variants, split, plan.spec.primary, oos)
    validation_seconds = time.perf_counter() - stability_started - stability_seconds
    if ctx.config.reporting.eager_top_reports_enabled:
        for variant in variants:
            report = _report_for(
                prepared, int(variant.variant_index), shortlist, ctx.config.reporting.top_trades_n_default
            )
            variant.report = report.model_dump(include={"rows", "table_md", "trades"})
    response = RunBacktestResponse(
        variants=variants,
        stage_a_variants_total=plan.sizes.stage_a,
        stage_b_variants_total=plan.sizes.stage_b,
        ranking=RankingConfig(
            primary_metric=plan.spec.primary,
            secondary_metric=plan.spec.secondary,
            collapse_same_outcome=plan.spec.collapse_same_outcome,
        ),
        constraint_rejections=constraint_rejections(
            plan.spec.constraints, prepared.core.stage_a_rejections, frontier.rejections
        ),
        timings={
            "setup_seconds": round(stage_a_started - started, 6),
            "stage_a_seconds": round(stage_b_started - stage_a_started, 6),
            "stage_b_seconds": round(finished - stage_b_started, 6),
            "stability_seconds": round(stability_seconds, 6),
            "validation_seconds": round(validation_seconds, 6),
            "total_seconds": round(time.perf_counter() - started, 6),
        },
        bars=plan.bars(),
        data_notes=list(plan.timeline.data_notes),
        signal_pairs_skipped=prepared.signal_pairs_skipped,
        validation=summary,
        cross_pairs=cross_pair_counts(plan),
    )
    return SearchResult(response, prepared, shortlist, frontier)


def _stopped_error(observer: SyncObserver, deadline_seconds: float | None, plan: SearchPlan) -> DomainError:
    if observer.deadline_passed:
        return DomainError(
            "sync_deadline_exceeded",
            f"the search did not finish within the sync deadline of {deadline_seconds:g} s "
            f"({plan.sizes.stage_a:,} Stage A and {plan.sizes.stage_b:,} Stage B variants); "
            "run it as a job (POST /api/backtests/jobs) instead",
            status=422,
            extra={"deadline_seconds": deadline_seconds, "stage_b_variants_total": plan.sizes.stage_b},
        )
    return DomainError("cancelled", "the search was cancelled", status=409)


def preflight_backtest(request: RunBacktestRequest, ctx: BacktestContext) -> PreflightResponse:
    """Counts and memory estimate; guard breaches are listed, not raised, so a form can show them."""
    plan = plan_search(request, ctx.store(), ctx.config)
    guards = ctx.config.guards
    return PreflightResponse(
        stage_a_variants_total=plan.sizes.stage_a,
        stage_b_variants_total=plan.sizes.stage_b,
        risk_variants_total=plan.sizes.risk,
        preselect=plan.sizes.preselect,
        top_k=plan.sizes.top_k,
        estimated_memory_bytes=plan.memory_bytes,
        max_compute_bytes_total=guards.max_compute_bytes_total,
        max_variants_per_compute=guards.max_variants_per_compute,
        bars=plan.bars(),
        data_notes=list(plan.timeline.data_notes),
        fits=not plan.problems,
        problems=[problem.payload()["error"] for problem in plan.problems],
        cross_pairs=cross_pair_counts(plan),
    )


def cross_pair_counts(plan: SearchPlan) -> list[CrossPairCount]:
    """Per cross rule: the variant pairs its param constraints keep, out of all pairs (counted, never listed)."""
    return [
        CrossPairCount(
            first=unit.first.name,
            second=unit.second.name,
            constraints=list(unit.constraint_texts),
            kept=unit.size,
            total=unit.total,
            summary=unit.summary(),
        )
        for unit in plan.instances.cross_units
    ]


def build_variant_report(request: VariantReportRequest, ctx: BacktestContext) -> VariantReportResponse:
    """Recomputes one explicit variant with the details path (the only caller of it besides eager mode)."""
    prepared = prepare_explicit_variant(request.run_context, request.variant, ctx)
    shortlist = np.zeros(1, dtype=np.int64)
    top_n = request.top_trades_n or ctx.config.reporting.top_trades_n_default
    report = _report_for(prepared, 0, shortlist, top_n if request.include_trades else 0)
    report.indicator_lines = indicator_lines(prepared.plan.timeline, prepared.plan.grids, MAX_EQUITY_POINTS)
    return report


def prepare_explicit_variant(context: RunContext, variant: VariantPayload, ctx: BacktestContext) -> PreparedSearch:
    """A one-variant search (grid index 0) ready for the details path."""
    plan = plan_search(context.variant_request(variant), ctx.store(), ctx.config)
    if plan.sizes.stage_a != 1 or plan.sizes.risk != 1:
        raise DomainError(
            "validation_error",
            "the variant payload must name exactly one value for every axis",
            details=[],
            extra={"variants_described": plan.sizes.stage_a * plan.sizes.risk},
        )
    limit_numba_threads(ctx.config)
    return prepare_search(plan)


def details_for(prepared: PreparedSearch, variant_index: int, shortlist: np.ndarray) -> VariantScoreDetails:
    """Trades and equity of one Stage B variant of a prepared search."""
    plan = prepared.plan
    n_risk = plan.risk.size
    base_id = int(shortlist[variant_index // n_risk])
    rows, row_idx = prepared.core.space.signal_rows(np.array([base_id], dtype=np.int64))
    timeline = plan.timeline
    return score_variant_with_details(
        timeline.ts_ms[timeline.target_start :],
        prepared.core.close,
        rows[row_idx[0]],
        plan.risk[variant_index % n_risk],
        plan.execution,
        prepared.core.bar_range,
    )


def _report_for(
    prepared: PreparedSearch, variant_index: int, shortlist: np.ndarray, top_trades_n: int
) -> VariantReportResponse:
    plan = prepared.plan
    n_risk = plan.risk.size
    base_id = int(shortlist[variant_index // n_risk])
    timeline = plan.timeline
    details = details_for(prepared, variant_index, shortlist)
    report = build_report_body(
        details,
        start_ms=plan.request.time_range.start_ms,
        end_ms=plan.request.time_range.end_ms,
        bar_ms=TIMEFRAMES[timeline.timeframe],
        include_trades=top_trades_n > 0,
        trades_limit=top_trades_n,
    )
    return VariantReportResponse(
        variant_key=prepared.identities.variant_keys(np.array([base_id]), np.array([variant_index % n_risk]))[0],
        indicator_variant_key=prepared.identities.indicator_variant_key(base_id),
        ranking_metrics=metrics_as_json(list(details.metrics.as_dict().values())),
        rows=report.rows,
        table_md=report.table_md,
        trades=report.trades or [],
        trades_total=len(details.trades),
        equity=report.equity,
        bars=plan.bars(),
        data_notes=list(plan.timeline.data_notes),
        bar_ms=TIMEFRAMES[timeline.timeframe],
    )


def runtime_defaults(ctx: BacktestContext) -> dict[str, Any]:
    config = ctx.config
    return {
        "warmup_bars_default": config.warmup_bars_default,
        "top_k_default": config.top_k_default,
        "preselect_default": config.preselect_default,
        "top_trades_n_default": config.reporting.top_trades_n_default,
        "ranking": {
            "primary_metric_default": config.ranking.primary_metric_default,
            "secondary_metric_default": config.ranking.secondary_metric_default,
            "constraints_default": [c.model_dump() for c in config.ranking.constraints_default],
            "max_constraints": config.ranking.max_constraints,
            "constraint_ops": list(get_args(ConstraintOp)),
            "collapse_same_outcome_default": config.ranking.collapse_same_outcome_default,
            "allowed_metrics": [
                {
                    "id": info.name,
                    "name": info.name,
                    "label": info.label,
                    "direction": "desc" if info.descending else "asc",
                    "unit": info.unit,
                }
                for info in METRIC_CATALOG
            ],
        },
        "execution": config.execution.model_dump(),
        "guards": config.guards.model_dump(),
        "sync_deadline_seconds": config.sync.sync_deadline_seconds,
        "jobs": {
            "enabled": config.jobs.enabled,
            "top_k_persisted_default": config.jobs.top_k_persisted_default,
            "max_active_jobs_per_user": config.jobs.max_active_jobs_per_user,
        },
        "eager_top_reports_enabled": config.reporting.eager_top_reports_enabled,
        "validation": config.validation.model_dump(),
    }
