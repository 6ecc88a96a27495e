"""Constraints on results: a variant whose ranking metric breaks one never enters the frontier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from trading.contexts.backtest.domain.value_objects.ranking_metrics import RankingMetricName

ConstraintOp = Literal[">=", "<=", ">", "<"]


@dataclass(frozen=True)
class MetricConstraint:
    """`metric op value`, e.g. `num_trades >= 30`; an undefined (NaN) metric breaks every constraint on it."""

    metric: RankingMetricName
    op: ConstraintOp
    value: float
