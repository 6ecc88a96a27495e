"""Load (or compile) the numba kernels before the first claim.

A kernel call holds the GIL, so while a fresh process JIT-compiles, the heartbeat thread cannot run; a
warm-up search on a few synthetic bars in a throwaway directory moves that time out of any lease.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import BacktestRuntimeConfig
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

WARM_UP_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
WARM_UP_BARS = 600


def warm_up_kernels(config: BacktestRuntimeConfig) -> float:
    """Run a tiny search (both stop kinds on) end to end; returns the seconds it took."""
    started = time.perf_counter()
    markets = load_markets()
    instrument_id = f"{markets.markets[0].id}:WARMUP"
    with tempfile.TemporaryDirectory(prefix="trading-warm-up-") as data_dir:
        write_synthetic_candles(CandleStore(Path(data_dir)), markets, instrument_id, WARM_UP_START_MS, WARM_UP_BARS, 1)
        request = RunBacktestRequest.model_validate(
            {
                "instrument_id": instrument_id,
                "timeframe": "1m",
                "time_range": {"start": "2024-01-01T01:00:00Z", "end": "2024-01-01T10:00:00Z"},
                "warmup_bars": 10,
                "indicators": [
                    {"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [3, 5]}}},
                    {"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [4]}}},
                ],
                "risk": {
                    "sl_pct": {"mode": "explicit", "values": [None, 1.0]},
                    "tp_pct": {"mode": "explicit", "values": [None, 1.0]},
                },
                "top_k": 2,
                "preselect": 2,
            }
        )
        run_backtest(request, BacktestContext(data_dir, config))
    return time.perf_counter() - started
