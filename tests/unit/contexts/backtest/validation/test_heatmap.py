"""Heatmap cells are the ranking metrics of the same variants in a full search, bit for bit; the
cell limit and axis names are checked before any compute."""

import math

import pytest

from tests.unit.contexts.backtest.validation.search_support import coordinates, exhaustive_request
from trading.contexts.backtest.application.dto.heatmap import HeatmapRequest
from trading.contexts.backtest.application.services.validation.heatmap import build_heatmap
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.shared.errors import DomainError


def _same_bits(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.hex() == b.hex()


@pytest.fixture(scope="module")
def full_search(backtest_ctx: BacktestContext):
    request = exhaustive_request()
    response = run_backtest(request, backtest_ctx)
    return request, {coordinates(row): row for row in response.variants}, response


@pytest.mark.parametrize(
    ("x_axis", "y_axis", "metric", "rank"),
    [
        ("sl_pct", "tp_pct", "total_return_pct", 7),
        ("ma.sma.window", "ma.ema.window", "max_drawdown_pct", 40),
        ("tp_pct", "ma.sma.window", "profit_factor", 1),
    ],
)
def test_every_cell_equals_the_full_search_metric_of_that_variant(
    backtest_ctx: BacktestContext, full_search, x_axis: str, y_axis: str, metric: str, rank: int
) -> None:
    request, by_coordinates, response = full_search
    assert len(by_coordinates) == len(response.variants) == 360
    variant = response.variants[rank - 1]
    heatmap = build_heatmap(
        HeatmapRequest(
            run_context=request.run_context(),
            variant=variant.payload,
            indicators=request.indicators,
            risk=request.risk,
            x_axis=x_axis,
            y_axis=y_axis,
            metric=metric,  # type: ignore[arg-type]
        ),
        backtest_ctx,
    )
    own = list(coordinates(variant))
    names = ["ma.sma.window", "ma.ema.window", "sl_pct", "tp_pct"]
    vx, vy = heatmap.variant_x, heatmap.variant_y
    assert vx is not None and vy is not None
    assert heatmap.values[vy][vx] == variant.ranking_metrics[metric]
    assert heatmap.x_values[vx] == own[names.index(x_axis)]
    checked = 0
    for yi, y_value in enumerate(heatmap.y_values):
        for xi, x_value in enumerate(heatmap.x_values):
            point = list(own)
            point[names.index(x_axis)] = x_value
            point[names.index(y_axis)] = y_value
            expected = by_coordinates[tuple(point)].ranking_metrics[metric]
            assert _same_bits(heatmap.values[yi][xi], expected), (point, heatmap.values[yi][xi], expected)
            checked += 1
    assert checked == heatmap.cells == len(heatmap.x_values) * len(heatmap.y_values) > 1


def test_axes_keep_the_search_value_order(backtest_ctx: BacktestContext, full_search) -> None:
    request, _, response = full_search
    heatmap = build_heatmap(
        HeatmapRequest(
            run_context=request.run_context(),
            variant=response.variants[0].payload,
            indicators=request.indicators,
            risk=request.risk,
            y_axis="ma.ema.window",
        ),
        backtest_ctx,
    )
    assert heatmap.x_axis == "sl_pct" and heatmap.x_values == [None, 0.3, 0.8]
    assert heatmap.y_values == [13, 5, 8]
    assert heatmap.metric == "total_return_pct"
    assert all(v is None or math.isfinite(v) for row in heatmap.values for v in row)


def test_cell_limit_is_checked_before_compute_and_names_the_numbers(backtest_ctx: BacktestContext, full_search) -> None:
    request, _, response = full_search
    config = backtest_ctx.config.model_copy(
        update={"validation": backtest_ctx.config.validation.model_copy(update={"heatmap_max_cells": 29})}
    )
    body = HeatmapRequest(
        run_context=request.run_context(),
        variant=response.variants[0].payload,
        indicators=request.indicators,
        risk=request.risk,
        x_axis="ma.sma.window",
        y_axis="ma.ema.window",
    )
    with pytest.raises(DomainError) as caught:
        build_heatmap(body, BacktestContext(backtest_ctx.data_dir, config))
    error = caught.value
    assert (error.code, error.status) == ("heatmap_too_large", 422)
    assert error.extra == {"cells": 30, "max_cells": 29}
    assert "30 cells (10 ma.sma.window x 3 ma.ema.window)" in error.message


@pytest.mark.parametrize(
    ("x_axis", "y_axis", "path"),
    [("ma.sma.length", "tp_pct", "x_axis"), ("sl_pct", "sl_pct", "y_axis"), ("sl_pct", "ma.rsi.window", "y_axis")],
)
def test_unknown_or_repeated_axes_are_validation_errors(
    backtest_ctx: BacktestContext, full_search, x_axis: str, y_axis: str, path: str
) -> None:
    request, _, response = full_search
    body = HeatmapRequest(
        run_context=request.run_context(),
        variant=response.variants[0].payload,
        indicators=request.indicators,
        risk=request.risk,
        x_axis=x_axis,
        y_axis=y_axis,
    )
    with pytest.raises(DomainError) as caught:
        build_heatmap(body, backtest_ctx)
    assert caught.value.code == "validation_error"
    assert [d.path for d in caught.value.details] == [path]
