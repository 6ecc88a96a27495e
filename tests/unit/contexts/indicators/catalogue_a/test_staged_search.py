"""Each catalogue-A indicator, named by id only (default grids from indicators.yaml), runs through
the staged search end to end and produces trades."""

from __future__ import annotations

import pytest

from tests.unit.contexts.backtest.staged.conftest import backtest_ctx  # noqa: F401  (shared fixture)
from tests.unit.contexts.indicators.catalogue_a.catalogue import CATALOGUE_A
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.indicator_catalog import default_indicator_catalog
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids


def default_variant_count(indicator_id: str) -> int:
    catalog = default_indicator_catalog()
    (grid,) = build_indicator_grids([{"indicator_id": indicator_id}], catalog.registry, catalog.defaults)
    return grid.n_variants * grid.n_signal_variants


@pytest.mark.parametrize("indicator_id", CATALOGUE_A)
def test_default_grid_runs_end_to_end(indicator_id: str, backtest_ctx: BacktestContext) -> None:  # noqa: F811
    request = RunBacktestRequest.model_validate(
        {
            "instrument_id": "1:BTCUSDT",
            "timeframe": "15m",
            "time_range": {"start": "2024-01-01T12:00:00Z", "end": "2024-01-03T12:00:00Z"},
            "warmup_bars": 200,
            "indicators": [{"indicator_id": indicator_id}],
            "execution": {"direction_mode": "long_short", "fee_pct": 0.0, "slippage_pct": 0.0},
            "top_k": 5,
            "preselect": 5,
        }
    )
    response = run_backtest(request, backtest_ctx)
    assert response.stage_a_variants_total == default_variant_count(indicator_id)
    assert [v.rank for v in response.variants] == list(range(1, len(response.variants) + 1))
    assert response.variants
    assert any(v.total_return_pct not in (None, 0.0) for v in response.variants)
