"""prepare_search's banks over the target bars are the tensor path's signal rows, exactly, whether a grid
takes the path without a tensor (price against an average) or not (RSI thresholds, vwma)."""

from typing import Any

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.signals_from_indicators_v1 import (
    signals_for_tensor,
    signals_need_no_tensor,
)
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SignalBank
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.domain.price_sources import OhlcvArrays


def _window(start: int, stop: int, step: int) -> dict[str, Any]:
    return {"window": {"mode": "range", "start": start, "stop_incl": stop, "step": step}}


def test_banks_equal_the_tensor_path_over_the_target_bars(backtest_ctx: BacktestContext) -> None:
    rsi_signals = {
        "long_threshold": {"mode": "explicit", "values": [30]},
        "short_threshold": {"mode": "explicit", "values": [70]},
    }
    body: dict[str, Any] = {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "5m",
        "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
        "warmup_bars": 50,
        "indicators": [
            {
                "indicator_id": "ma.hma",
                "inputs": {"source": {"mode": "explicit", "values": ["close", "hlc3"]}},
                "params": _window(4, 40, 6),
            },
            {"indicator_id": "momentum.rsi", "params": _window(7, 21, 7), "signals": rsi_signals},
            {"indicator_id": "ma.vwma", "params": _window(5, 15, 5)},
        ],
        "preselect": 5,
    }
    plan = plan_search(RunBacktestRequest.model_validate(body), backtest_ctx.store(), backtest_ctx.config)
    banks = prepare_search(plan).core.space.banks
    bars = OhlcvArrays.from_timeline(plan.timeline)
    target = plan.timeline.target_start
    assert target == 50
    assert [signals_need_no_tensor(g) for g in plan.grids] == [True, False, False]
    for grid, bank in zip(plan.grids, banks, strict=True):
        assert isinstance(bank, SignalBank)
        expected = signals_for_tensor(compute_indicator(bars, grid), bars).rows[:, target:]
        assert bank.rows.flags.c_contiguous and bank.rows.shape == expected.shape
        np.testing.assert_array_equal(bank.rows, expected)
        assert np.count_nonzero(bank.rows == 1) > 0 and np.count_nonzero(bank.rows == -1) > 0
