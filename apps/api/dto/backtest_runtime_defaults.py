"""Shape of `GET /api/backtests/runtime-defaults`: what the UI prefills and which metrics it may offer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from trading.contexts.backtest.application.dto.run_backtest import MetricConstraintRequest
from trading.contexts.backtest.domain.value_objects.metric_constraints import ConstraintOp
from trading.contexts.backtest.domain.value_objects.ranking_metrics import MetricUnit, RankingMetricName


class AllowedMetric(BaseModel):
    """`name` repeats `id` for clients written before ids, labels and units were listed."""

    id: RankingMetricName
    name: RankingMetricName
    label: str
    direction: Literal["asc", "desc"]
    unit: MetricUnit


class RankingDefaults(BaseModel):
    primary_metric_default: RankingMetricName
    secondary_metric_default: RankingMetricName | None
    constraints_default: list[MetricConstraintRequest]
    max_constraints: int
    constraint_ops: list[ConstraintOp]
    collapse_same_outcome_default: bool
    allowed_metrics: list[AllowedMetric]


class JobsDefaults(BaseModel):
    enabled: bool
    top_k_persisted_default: int
    max_active_jobs_per_user: int


class RuntimeDefaultsResponse(BaseModel):
    """Keys the application adds later pass through unchanged (extra="allow")."""

    model_config = ConfigDict(extra="allow")

    warmup_bars_default: int
    top_k_default: int
    preselect_default: int
    top_trades_n_default: int
    ranking: RankingDefaults
    execution: dict[str, Any]
    guards: dict[str, int]
    sync_deadline_seconds: float
    jobs: JobsDefaults
    eager_top_reports_enabled: bool
