"""A staged search over new indicators (their default grids, AND-combined) runs end to end."""

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest

NEW_INDICATORS = ("structure.candle_body", "structure.pivots", "trend.psar", "trend.vortex")


def test_default_grids_of_new_indicators_rank_end_to_end(backtest_ctx: BacktestContext) -> None:
    request = RunBacktestRequest.model_validate(
        {
            "instrument_id": "1:BTCUSDT",
            "timeframe": "5m",
            "time_range": {"start": "2024-01-01T04:00:00Z", "end": "2024-01-02T20:00:00Z"},
            "warmup_bars": 40,
            "indicators": [{"indicator_id": indicator_id} for indicator_id in NEW_INDICATORS],
            "execution": {"direction_mode": "long_short", "fee_pct": 0.0, "slippage_pct": 0.0},
            "top_k": 5,
            "preselect": 20,
        }
    )
    response = run_backtest(request, backtest_ctx)
    # candle_body 1 x 2 min_body, pivots 16 x 2 hold, psar 3, vortex 4 x 2 thresholds
    assert response.stage_a_variants_total == 2 * 32 * 3 * 8
    assert [v.rank for v in response.variants] == list(range(1, 6))
    returns = [v.total_return_pct for v in response.variants]
    finite = [r for r in returns if r is not None]
    assert finite == returns
    assert finite == sorted(finite, reverse=True)
