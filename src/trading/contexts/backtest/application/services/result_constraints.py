"""The constraint mask over a scored block: one vectorised comparison per constraint, none per variant."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
