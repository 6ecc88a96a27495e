"""Heatmap: one ranking metric over two axes of a search's grid, every other axis held at a variant's
value. It is a small staged-style grid (the two axes' values, one value elsewhere) scored metric-only
in one batched call, so each cell equals that variant's ranking metric in the full search."""

from __future__ import annotations

import time

import numpy as np

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import BacktestRuntimeConfig
from trading.contexts.backtest.application.dto.heatmap import HeatmapRequest, HeatmapResponse
from trading.contexts.backtest.application.dto.run_backtest import (
    ExplicitAxis,
    IndicatorGridRequest,
    RiskExplicitAxis,
    RunBacktestRequest,
)
from trading.contexts.backtest.application.services.staged_runner_v1 import (
    effective_request,
    plan_search,
    prepare_search,
)
from trading.contexts.backtest.application.services.validation.grid_coordinates import (
    GridCoordinates,
    SearchAxis,
    axis_position,
    request_axes,
)
from trading.contexts.backtest.application.services.validation.grid_points import metric_column, score_grid_points
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, limit_numba_threads
from trading.shared.errors import DomainError, ErrorDetail


def build_heatmap(request: HeatmapRequest, ctx: BacktestContext) -> HeatmapResponse:
    """422 `validation_error` for an unknown or repeated axis, `heatmap_too_large` past the cell limit."""
    started = time.perf_counter()
    x_axis, y_axis = _chosen_axes(request)
    _check_cells(len(x_axis.values) * len(y_axis.values), x_axis, y_axis, ctx.config)
    plan = plan_search(_held_grid_request(request, x_axis, y_axis), ctx.store(), ctx.config)
    plan.raise_problems()
    limit_numba_threads(ctx.config)
    prepared = prepare_search(plan)
    coords = GridCoordinates(prepared)
    n_risk = prepared.core.risk.size
    points = np.arange(prepared.core.space.size * n_risk, dtype=np.int64)
    base_ids, risk_idx = points // n_risk, points % n_risk
    metric = request.metric or ctx.config.ranking.primary_metric_default
    values = score_grid_points(prepared.core, base_ids, risk_idx)[:, metric_column(metric)]
    digits = coords.digits(base_ids, risk_idx)
    x_pos, y_pos = coords.axis_position(x_axis.name, "x_axis"), coords.axis_position(y_axis.name, "y_axis")
    matrix = np.full((len(y_axis.values), len(x_axis.values)), np.nan)
    matrix[digits[:, y_pos], digits[:, x_pos]] = values
    own = coords.payload_digits(request.variant)  # the opened axes keep the search's value order
    return HeatmapResponse(
        metric=metric,
        x_axis=x_axis.name,
        y_axis=y_axis.name,
        x_values=list(x_axis.values),
        y_values=list(y_axis.values),
        values=[[float(v) if np.isfinite(v) else None for v in row] for row in matrix],
        variant_x=own[x_pos],
        variant_y=own[y_pos],
        cells=int(matrix.size),
        timings={"total_seconds": round(time.perf_counter() - started, 6)},
        bars=plan.bars(),
    )


def _chosen_axes(request: HeatmapRequest) -> tuple[SearchAxis, SearchAxis]:
    axes = request_axes(request.indicators, request.risk)
    x_axis = axes[axis_position(axes, request.x_axis, "x_axis")]
    y_axis = axes[axis_position(axes, request.y_axis, "y_axis")]
    if x_axis.name == y_axis.name:
        detail = ErrorDetail("y_axis", "invalid_value", "x_axis and y_axis must name two different axes")
        raise DomainError("validation_error", "a heatmap needs two different axes", details=[detail])
    owners = {s.entry_name for s in request.variant.indicator_selections} | {"risk"}
    for path, axis in (("x_axis", x_axis), ("y_axis", y_axis)):
        if axis.owner not in owners:
            message = f"the variant has no indicator {axis.owner!r}"
            raise DomainError("validation_error", message, details=[ErrorDetail(path, "unknown_axis", message)])
    return x_axis, y_axis


def _check_cells(cells: int, x_axis: SearchAxis, y_axis: SearchAxis, config: BacktestRuntimeConfig) -> None:
    limit = config.validation.heatmap_max_cells
    if cells > limit:
        raise DomainError(
            "heatmap_too_large",
            f"the heatmap has {cells:,} cells ({len(x_axis.values):,} {x_axis.name} x {len(y_axis.values):,} "
            f"{y_axis.name}), more than validation.heatmap_max_cells = {limit:,}; pick axes with fewer values",
            status=422,
            extra={"cells": cells, "max_cells": limit},
        )


def _held_grid_request(request: HeatmapRequest, x_axis: SearchAxis, y_axis: SearchAxis) -> RunBacktestRequest:
    """The variant as a one-value grid, with the two chosen axes opened to their full value lists."""
    held = effective_request(request.run_context.variant_request(request.variant))
    indicators = [ind.model_copy(deep=True) for ind in held.indicators]
    risk = held.risk.model_copy(deep=True)
    for axis in (x_axis, y_axis):
        if axis.section == "risk":
            setattr(risk, axis.param, RiskExplicitAxis(mode="explicit", values=list(axis.values)))  # type: ignore[arg-type]
        else:
            _open_axis(indicators, axis)
    return held.model_copy(update={"indicators": indicators, "risk": risk})


def _open_axis(indicators: list[IndicatorGridRequest], axis: SearchAxis) -> None:
    for indicator in indicators:
        if indicator.entry_name == axis.owner:
            section = getattr(indicator, axis.section)
            section[axis.param] = ExplicitAxis(mode="explicit", values=list(axis.values))  # type: ignore[arg-type]
