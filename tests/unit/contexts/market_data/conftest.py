"""Shared fixtures: an empty store in a temp dir and the markets of the test environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT


@pytest.fixture
def store(tmp_path: Path) -> CandleStore:
    return CandleStore(tmp_path / "data")


@pytest.fixture
def markets() -> MarketCatalog:
    return load_markets(DEFAULT_CONFIG_ROOT / "test" / "markets.yaml")
