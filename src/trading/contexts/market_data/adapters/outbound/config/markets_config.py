"""Loads `configs/<env>/markets.yaml` strictly (unknown keys and bad values fail naming the key)."""

from __future__ import annotations

from pathlib import Path

from trading.contexts.market_data.domain.market import MarketCatalog
from trading.shared.config_paths import config_file, load_config_model

MARKETS_FILE = "markets.yaml"


def load_markets(path: Path | None = None) -> MarketCatalog:
    return load_config_model(path or config_file(MARKETS_FILE), MarketCatalog)
