"""The constraint mask over a scored block (one vectorised comparison per constraint, none per variant)
and the per-constraint rejection counts as the response and the job store show them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import ConstraintRejections, MetricConstraintRequest
from trading.contexts.backtest.domain.value_objects.metric_constraints import MetricConstraint
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_COLUMN

_COMPARE = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}


def constraint_mask(constraints: Sequence[MetricConstraint], metrics: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows that pass every constraint, rows rejected per constraint); a row failing several constraints
    counts once for each. NaN compares false, so an undefined metric fails."""
    n_rows = int(metrics.shape[0])
    admitted = np.ones(n_rows, dtype=bool)
    rejected = np.zeros(len(constraints), dtype=np.int64)
    for index, constraint in enumerate(constraints):
        passes = _COMPARE[constraint.op](metrics[:, METRIC_COLUMN[constraint.metric]], constraint.value)
        rejected[index] = n_rows - int(np.count_nonzero(passes))
        admitted &= passes
    return admitted, rejected


def constraint_rejections(
    constraints: Sequence[MetricConstraint], stage_a: np.ndarray, stage_b: np.ndarray
) -> list[ConstraintRejections]:
    """One entry per constraint, in request order (empty without constraints)."""
    return [
        ConstraintRejections(
            constraint=MetricConstraintRequest(metric=c.metric, op=c.op, value=c.value),
            stage_a=int(a),
            stage_b=int(b),
        )
        for c, a, b in zip(constraints, stage_a, stage_b, strict=True)
    ]
