"""Metric-only scores of arbitrary grid points of a prepared search (neighbours, heatmap cells, rows
scored out of sample): one batched call to the same kernel the staged search ranks with, so every
value equals the search's (and the report's) number for that variant bit for bit."""

from __future__ import annotations

import numpy as np

from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_block_metric
from trading.contexts.backtest.application.services.staged_core_runner_v1 import StagedCore
from trading.contexts.backtest.domain.value_objects.execution import RANKING_METRICS, RankingMetricName


def metric_column(metric: RankingMetricName) -> int:
    """Column of a ranking metric (by id) in every metric array the kernels fill."""
    return RANKING_METRICS.index(metric)


def score_grid_points(core: StagedCore, base_ids: np.ndarray, risk_idx: np.ndarray) -> np.ndarray:
    """float64[n, metrics] for the variants (base_ids[i], risk_idx[i]); each base's signal row built once."""
    if base_ids.shape[0] == 0:
        return np.empty((0, len(RANKING_METRICS)), dtype=np.float64)
    unique_bases, inverse = np.unique(np.asarray(base_ids, dtype=np.int64), return_inverse=True)
    rows, row_idx = core.space.signal_rows(unique_bases)
    risk_idx = np.asarray(risk_idx, dtype=np.int64)
    return score_block_metric(
        core.close,
        rows,
        row_idx[inverse],
        core.risk.sl_pct[risk_idx],
        core.risk.tp_pct[risk_idx],
        core.execution,
        core.bar_range,
    )
