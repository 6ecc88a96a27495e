"""The staged search spends its time in the scoring kernel: everything around it (signals, frontier,
lazy keys, payloads) stays a bounded overhead, and keys are built only for possible entrants.
Generous bounds; `bench/compare_vectorbt.py` reports the real numbers."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import load_backtest_config
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_block_metric
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, SyncObserver
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT

N_MINUTES = 60_000
MAX_OVERHEAD_RATIO = 3.0


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> BacktestContext:
    data_dir: Path = tmp_path_factory.mktemp("perf_data")
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", 1_704_067_200_000, N_MINUTES, 5)
    return BacktestContext(str(data_dir), load_backtest_config(DEFAULT_CONFIG_ROOT / "test" / "backtest.yaml"))


def _request() -> RunBacktestRequest:
    return RunBacktestRequest.model_validate(
        {
            "instrument_id": "1:BTCUSDT",
            "timeframe": "1m",
            "time_range": {"start": "2024-01-01T00:00:00Z", "end": "2024-02-12T00:00:00Z"},
            "warmup_bars": 0,
            "indicators": [
                {
                    "indicator_id": "ma.sma",
                    "params": {"window": {"mode": "range", "start": 5, "stop_incl": 100, "step": 1}},
                }
            ],
            "risk": {
                "sl_pct": {"mode": "explicit", "values": [0.5, 1.0, 2.0, 3.0]},
                "tp_pct": {"mode": "explicit", "values": [1.0, 2.0, 4.0, 8.0, 10.0]},
            },
            "execution": {"direction_mode": "long_only", "fee_pct": 0.075, "slippage_pct": 0.01},
            "top_k": 50,
            "preselect": 96,
        }
    )


def test_search_overhead_over_the_bare_kernel_is_bounded(ctx: BacktestContext) -> None:
    plan = plan_search(_request(), ctx.store(), ctx.config)
    prepared = prepare_search(plan)
    core = prepared.core
    observer = SyncObserver(None, None, None)
    core.stage_a(plan.sizes.preselect, observer)  # compile / warm caches

    started = time.perf_counter()
    shortlist = core.stage_a(plan.sizes.preselect, observer)
    frontier: Frontier = core.stage_b(shortlist, plan.sizes.top_k, observer)
    staged_seconds = time.perf_counter() - started

    n_base, n_risk = shortlist.shape[0], core.risk.size
    rows, row_idx = core.space.signal_rows(shortlist)
    started = time.perf_counter()
    score_block_metric(
        core.close, rows, row_idx, np.full(n_base, np.nan), np.full(n_base, np.nan), core.execution
    )
    score_block_metric(
        core.close,
        rows,
        np.repeat(row_idx, n_risk),
        np.tile(core.risk.sl_pct, n_base),
        np.tile(core.risk.tp_pct, n_base),
        core.execution,
    )
    kernel_seconds = time.perf_counter() - started

    ratio = staged_seconds / kernel_seconds
    assert ratio < MAX_OVERHEAD_RATIO, f"staged {staged_seconds:.3f}s vs kernel {kernel_seconds:.3f}s = {ratio:.2f}x"
    # Keys: the top 50 plus entrants that beat the running worst, far below the 1,920 Stage B variants.
    assert frontier.keys_computed < n_base * n_risk / 4
