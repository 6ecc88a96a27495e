from pathlib import Path

import pytest

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import load_backtest_config
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z


@pytest.fixture(scope="session")
def backtest_ctx(tmp_path_factory: pytest.TempPathFactory) -> BacktestContext:
    """Three days of seeded 1m bars (with a few gaps) for 1:BTCUSDT, and the test config."""
    data_dir: Path = tmp_path_factory.mktemp("staged_data")
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, 3 * 1440, 7, 0.01)
    return BacktestContext(str(data_dir), load_backtest_config(DEFAULT_CONFIG_ROOT / "test" / "backtest.yaml"))
