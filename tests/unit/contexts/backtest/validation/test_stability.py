"""Neighbourhood stability equals a brute-force look-up of each row's grid neighbours in an exhaustive
search: one step down / up in value order on every numeric axis, 'disabled' stops excluded."""

import math

import pytest

from tests.unit.contexts.backtest.validation.search_support import STAGE_B, coordinates, exhaustive_request
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest

# GRID's axes in value order (explicit lists are given unsorted on purpose; None = disabled, no steps).
STEPS = ([3, 6, 9, 12, 15, 18, 21, 24, 27, 30], [5, 8, 13], [0.3, 0.8], [0.5, 1.5, 3.0])


def _neighbours(point: tuple) -> list[tuple]:
    found = []
    for axis, values in enumerate(STEPS):
        if point[axis] not in values:
            continue
        position = values.index(point[axis])
        for step in (-1, 1):
            if 0 <= position + step < len(values):
                moved = list(point)
                moved[axis] = values[position + step]
                found.append(tuple(moved))
    return found


@pytest.mark.parametrize("metric", ["total_return_pct", "max_drawdown_pct"])
def test_stability_matches_brute_force_neighbours(backtest_ctx: BacktestContext, metric: str) -> None:
    response = run_backtest(exhaustive_request(ranking={"primary_metric": metric}), backtest_ctx)
    by_point = {coordinates(row): row.ranking_metrics[metric] for row in response.variants}
    assert len(by_point) == STAGE_B
    worst_of = min if metric == "total_return_pct" else max
    counts = set()
    for row in response.variants:
        stability = row.stability
        assert stability is not None and stability.metric == metric
        assert stability.own == row.ranking_metrics[metric]
        values = [by_point[p] for p in _neighbours(coordinates(row))]
        finite = [v for v in values if v is not None and math.isfinite(v)]
        assert stability.neighbours == len(values)
        assert stability.worst == (worst_of(finite) if finite else None)
        assert stability.mean == pytest.approx(sum(finite) / len(finite), rel=1e-12, abs=1e-12)
        counts.add(stability.neighbours)
    assert counts == {2, 3, 4, 5, 6, 7}  # from a corner with both stops off to the inside of the grid


def test_a_disabled_stop_has_no_steps_on_that_axis(backtest_ctx: BacktestContext) -> None:
    response = run_backtest(exhaustive_request(), backtest_ctx)
    row = next(r for r in response.variants if coordinates(r)[2:] == (None, None))
    assert row.stability is not None
    assert row.stability.neighbours == len(_neighbours(coordinates(row))) <= 4
