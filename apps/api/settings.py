"""What the API process needs to know, read from the environment once at start-up.

Environment: `TRADING_ENV` (dev|test|prod; picks `configs/<env>/`), `TRADING_CONFIG_DIR` (moves the config
tree), `TRADING_DATA_DIR` (candle store and the embedded job database; default `./data`),
`TRADING_DATABASE_URL` (job store; default a SQLite file in the data dir). Config files of the env:
backtest.yaml, indicators.yaml and the optional auth.yaml (bearer tokens stored as SHA-256; absent = auth
off, every request is the local user).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import (
    BacktestRuntimeConfig,
    load_backtest_config,
)
from trading.contexts.backtest.adapters.outbound.persistence.factory import default_jobs_database_url
from trading.contexts.identity.domain.auth_settings import AuthSettings
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import default_data_dir
from trading.shared.config_paths import DEFAULT_ENV, ENV_VAR, config_dir, load_config_model

AUTH_CONFIG_NAME = "auth.yaml"


@dataclass(frozen=True)
class ApiSettings:
    """Built once per process; tests build it directly with a tmp data dir and their own configs."""

    env: str
    data_dir: Path
    database_url: str
    backtest_config: BacktestRuntimeConfig
    indicator_defaults: IndicatorDefaults
    auth: AuthSettings
    migrate_on_startup: bool
    # Host header values the server answers to; None = any (`trading serve` sets them, see its --host).
    trusted_hosts: tuple[str, ...] | None = None


class _AuthFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auth: AuthSettings = AuthSettings()


def load_auth_settings() -> AuthSettings:
    """`configs/<env>/auth.yaml` (`auth: {enabled, tokens: [{user_id, token_sha256}]}`); no file = auth off."""
    path = config_dir() / AUTH_CONFIG_NAME
    return load_config_model(path, _AuthFile).auth if path.is_file() else AuthSettings()


def settings_from_env() -> ApiSettings:
    """Fails fast (ConfigError naming the file and key) when a config file is missing or invalid."""
    env = os.environ.get(ENV_VAR, DEFAULT_ENV)
    return ApiSettings(
        env=env,
        data_dir=default_data_dir(),
        database_url=default_jobs_database_url(),
        backtest_config=load_backtest_config(),
        indicator_defaults=load_indicator_defaults(default_registry()),
        auth=load_auth_settings(),
        migrate_on_startup=env != "prod",
    )
