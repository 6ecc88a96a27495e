"""Heatmap of one ranking metric over two axes of a search's grid around one variant (trust.md section 5)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from trading.contexts.backtest.application.dto.run_backtest import (
    IndicatorGridRequest,
    ParamValue,
    RiskGridRequest,
    RunContext,
    VariantPayload,
)
from trading.contexts.backtest.domain.value_objects.execution import RankingMetricName


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HeatmapRequest(_Model):
    """`indicators` / `risk` are the search's grid (the axes' values come from there); every axis but
    `x_axis` and `y_axis` is held at the variant's value. Axis names: `sl_pct`, `tp_pct`,
    `<indicator_id>.<param>` (inputs and params), `<indicator_id>.signals.<param>`."""

    run_context: RunContext
    variant: VariantPayload
    indicators: list[IndicatorGridRequest] = Field(min_length=1, max_length=8)
    risk: RiskGridRequest = Field(default_factory=RiskGridRequest)
    x_axis: str = Field(default="sl_pct", min_length=1, max_length=200)
    y_axis: str = Field(default="tp_pct", min_length=1, max_length=200)
    metric: RankingMetricName | None = None


class HeatmapResponse(_Model):
    """`values[y][x]` is the metric of the variant with `x_values[x]` and `y_values[y]` (null: not
    finite, or a signal combination the rule skips). `variant_x` / `variant_y` mark the variant's cell
    (null when its value is not on that axis); None in a risk axis means the stop is disabled."""

    metric: RankingMetricName
    x_axis: str
    y_axis: str
    x_values: list[ParamValue | None]
    y_values: list[ParamValue | None]
    values: list[list[float | None]]
    variant_x: int | None
    variant_y: int | None
    cells: int
    timings: dict[str, float]
    bars: dict[str, int]
