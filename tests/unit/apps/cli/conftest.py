"""Four days of synthetic 1m candles shared by the CLI tests, and request files written from dicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli_data")
    write_synthetic_candles(CandleStore(directory), load_markets(), "1:BTCUSDT", 1_704_067_200_000, 4 * 1440, 3)
    return directory


def request_file(tmp_path: Path, body: dict, suffix: str = ".yaml") -> Path:
    path = tmp_path / f"request{suffix}"
    path.write_text(yaml.safe_dump(body) if suffix == ".yaml" else json.dumps(body))
    return path
