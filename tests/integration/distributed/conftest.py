"""A local 2-worker Ray cluster for the whole session (loopback, its own port range, small object
store), and candles big enough that a shard keeps a worker busy for a moment. Skipped only where the
`ray` extra is not installed."""

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Only look for Ray here: importing it before the executor sets its single-node switch would make it
# swap the loopback head address for the machine's reachable one.
if importlib.util.find_spec("ray") is None:
    pytest.skip("the `ray` extra is not installed (uv sync --extra ray)", allow_module_level=True)

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import (
    BacktestRuntimeConfig,
    load_backtest_config,
)
from trading.contexts.backtest.adapters.outbound.executors.local_ray_cluster import (
    LocalClusterSpec,
    start_local_cluster,
    stop_local_cluster,
)
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
TEST_PORTS = (36200, 36259)


def test_config() -> BacktestRuntimeConfig:
    config = load_backtest_config(DEFAULT_CONFIG_ROOT / "test" / "backtest.yaml")
    distributed = config.distributed.model_copy(update={"local_below_seconds": 0.0, "stall_timeout_seconds": 300.0})
    return config.model_copy(update={"distributed": distributed})


@pytest.fixture(scope="session")
def cluster_spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalClusterSpec]:
    """Started for the session and ended by process id; TRADING_TEST_RAY_TEMP_DIR reuses a cluster
    already started with `trading cluster local --port-min 36200 --port-max 36259` (faster iterations)."""
    reuse = os.environ.get("TRADING_TEST_RAY_TEMP_DIR")
    temp_dir = reuse or str(Path("/tmp") / f"trading_ray_test_{tmp_path_factory.getbasetemp().name}")
    spec = LocalClusterSpec(TEST_PORTS[0], TEST_PORTS[1], num_cpus=2, object_store_bytes=100_000_000, temp_dir=temp_dir)
    if not reuse:
        start_local_cluster(spec)
    try:
        yield spec
    finally:
        import ray

        ray.shutdown()
        if not reuse:
            stop_local_cluster(spec)


@pytest.fixture(scope="session")
def ray_ctx(tmp_path_factory: pytest.TempPathFactory) -> BacktestContext:
    """Three days of seeded 1m bars (the unit tests' data) plus 30 days for the busy-worker tests."""
    data_dir: Path = tmp_path_factory.mktemp("ray_data")
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, 3 * 1440, 7, 0.01)
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:ETHUSDT", START_MS, 30 * 1440, 11, 0.01)
    return BacktestContext(str(data_dir), test_config())
