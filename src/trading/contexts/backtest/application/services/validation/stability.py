"""Neighbourhood stability of ranked rows: is a top variant on a plateau or a lone spike?

For each row, every numeric axis of the search's grid (risk axes included) is stepped one value down
and one up in value order; the neighbours that exist (inside the grid, not a skipped signal
combination, not 'disabled') are scored metric-only in one batched call for all rows together."""

from __future__ import annotations

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import RankedVariant
from trading.contexts.backtest.application.dto.validation import NeighbourhoodStability
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch
from trading.contexts.backtest.application.services.validation.grid_coordinates import GridCoordinates
from trading.contexts.backtest.application.services.validation.grid_points import metric_column, score_grid_points
from trading.contexts.backtest.domain.value_objects.execution import METRIC_DESCENDING, RankingMetricName


def neighbour_digits(coords: GridCoordinates, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner row of each neighbour, neighbour digits): one step down / up on each numeric axis."""
    owners: list[np.ndarray] = []
    moved: list[np.ndarray] = []
    rows = np.arange(digits.shape[0], dtype=np.int64)
    for position, axis in enumerate(coords.axes):
        order = axis.step_order()
        if order.shape[0] < 2:
            continue
        rank_of = np.full(len(axis.values), -1, dtype=np.int64)
        rank_of[order] = np.arange(order.shape[0], dtype=np.int64)
        ranks = rank_of[digits[:, position]]
        for step in (-1, 1):
            target = ranks + step
            ok = (ranks >= 0) & (target >= 0) & (target < order.shape[0])
            shifted = digits[ok].copy()
            shifted[:, position] = order[target[ok]]
            owners.append(rows[ok])
            moved.append(shifted)
    if not owners:
        return np.empty(0, dtype=np.int64), np.empty((0, digits.shape[1]), dtype=np.int64)
    return np.concatenate(owners), np.concatenate(moved)


def neighbourhood_stability(
    prepared: PreparedSearch, base_ids: np.ndarray, risk_idx: np.ndarray, metric: RankingMetricName
) -> list[NeighbourhoodStability]:
    """One figure per (base id, risk index) row, in row order."""
    coords = GridCoordinates(prepared)
    digits = coords.digits(base_ids, risk_idx)
    owners, moved = neighbour_digits(coords, digits)
    neighbour_base, neighbour_risk, exists = coords.locate(moved)
    owners = owners[exists]
    column = metric_column(metric)
    own = score_grid_points(prepared.core, base_ids, risk_idx)[:, column]
    values = score_grid_points(prepared.core, neighbour_base[exists], neighbour_risk[exists])[:, column]
    n_rows = base_ids.shape[0]
    counts = np.bincount(owners, minlength=n_rows)
    finite = np.isfinite(values)
    finite_counts = np.bincount(owners[finite], minlength=n_rows)
    sums = np.bincount(owners[finite], weights=values[finite], minlength=n_rows)
    descending = METRIC_DESCENDING[metric]
    worst = np.full(n_rows, np.inf if descending else -np.inf)
    (np.minimum if descending else np.maximum).at(worst, owners[finite], values[finite])
    return [
        NeighbourhoodStability(
            metric=metric,
            own=_json_float(own[row]),
            mean=_json_float(sums[row] / finite_counts[row]) if finite_counts[row] else None,
            worst=_json_float(worst[row]),
            neighbours=int(counts[row]),
        )
        for row in range(n_rows)
    ]


def attach_stability(
    prepared: PreparedSearch, shortlist: np.ndarray, frontier: Frontier, rows: list[RankedVariant]
) -> None:
    """Sets `stability` (by the primary ranking metric) on the ranked rows built from `frontier`."""
    n_risk = prepared.core.risk.size
    base_ids, risk_idx = shortlist[frontier.ids // n_risk], frontier.ids % n_risk
    figures = neighbourhood_stability(prepared, base_ids, risk_idx, prepared.plan.spec.primary)
    for row, figure in zip(rows, figures, strict=True):
        row.stability = figure


def _json_float(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
