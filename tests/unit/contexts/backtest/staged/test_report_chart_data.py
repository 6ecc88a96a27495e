"""What the report chart needs: fill times at bar close beside the bar index, and the variant's
indicator outputs on the price axis (moving averages) or in a pane (oscillators)."""

from __future__ import annotations

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import (
    RunBacktestRequest,
    VariantReportRequest,
    VariantReportResponse,
)
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, build_variant_report
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.domain.price_sources import OhlcvArrays

FIVE_MINUTES_MS = 300_000
RUN_CONTEXT = {
    "instrument_id": "1:BTCUSDT",
    "timeframe": "5m",
    "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
    "warmup_bars": 50,
}
VARIANT = {
    "indicator_selections": [
        {"indicator_id": "ma.sma", "inputs": {"source": "close"}, "params": {"window": 12}},
        {"indicator_id": "momentum.rsi", "inputs": {"source": "close"}, "params": {"window": 14}},
    ],
    "signal_params": {"momentum.rsi": {"long_threshold": 45.0, "short_threshold": 55.0}},
    "execution_params": {
        "init_cash_quote": 10_000.0,
        "fixed_quote": 100.0,
        "safe_profit_percent": 30.0,
        "fee_pct": 0.05,
        "slippage_pct": 0.0,
    },
    "direction_mode": "long_short",
    "sizing_mode": "all_in",
}


def _report(ctx: BacktestContext, **execution: str) -> VariantReportResponse:
    variant = {**VARIANT, "execution_params": {**VARIANT["execution_params"], **execution}}
    return build_variant_report(
        VariantReportRequest.model_validate({"run_context": RUN_CONTEXT, "variant": variant}), ctx
    )


def test_trade_and_equity_times_are_the_close_of_their_bar(backtest_ctx: BacktestContext) -> None:
    report = _report(backtest_ctx)
    assert report.bar_ms == FIVE_MINUTES_MS and report.trades
    target_start_ms = np.datetime64("2024-01-01T06:00:00", "ms").astype(np.int64)
    for trade in report.trades:
        entry_open_ms = target_start_ms + trade["entry_bar"] * FIVE_MINUTES_MS
        assert np.datetime64(trade["entry_time"].rstrip("Z"), "ms").astype(np.int64) == entry_open_ms + FIVE_MINUTES_MS
    assert report.equity["ts_ms"][0] == target_start_ms + FIVE_MINUTES_MS


def test_next_open_fills_are_stamped_at_their_bars_open(backtest_ctx: BacktestContext) -> None:
    report = _report(backtest_ctx, fill="next_open")
    target_start_ms = int(np.datetime64("2024-01-01T06:00:00", "ms").astype(np.int64))
    assert report.trades
    for trade in report.trades:
        entry_ms = int(np.datetime64(trade["entry_time"].rstrip("Z"), "ms").astype(np.int64))
        assert entry_ms == target_start_ms + trade["entry_bar"] * FIVE_MINUTES_MS
        exit_ms = int(np.datetime64(trade["exit_time"].rstrip("Z"), "ms").astype(np.int64))
        in_bar = FIVE_MINUTES_MS if trade["exit_reason"] == "end_of_data" else 0
        assert exit_ms == target_start_ms + trade["exit_bar"] * FIVE_MINUTES_MS + in_bar


def test_indicator_lines_sit_on_the_price_axis_or_in_a_pane(backtest_ctx: BacktestContext) -> None:
    report = _report(backtest_ctx)
    lines = {line.indicator_id: line for line in report.indicator_lines}
    assert (lines["ma.sma"].placement, lines["momentum.rsi"].placement) == ("price", "pane")
    assert lines["ma.sma"].label == "sma(close, 12)"
    plan = plan_search(
        RunBacktestRequest.model_validate({**RUN_CONTEXT, "variant": VARIANT}),
        backtest_ctx.store(),
        backtest_ctx.config,
    )
    timeline = plan.timeline
    sma_grid = next(grid for grid in plan.grids if grid.indicator_id == "ma.sma")
    expected = compute_indicator(OhlcvArrays.from_timeline(timeline), sma_grid).primary[0, timeline.target_start :]
    assert len(lines["ma.sma"].values) == timeline.n_target  # 756 bars fit the 2,000-point budget
    assert lines["ma.sma"].values == expected.tolist()
    assert lines["ma.sma"].ts_ms == (timeline.ts_ms[timeline.target_start :] + FIVE_MINUTES_MS).tolist()
