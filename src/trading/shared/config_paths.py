"""Where configuration lives: one env var picks the environment, another can move the whole tree.

Every YAML loader goes through here so `TRADING_ENV` / `TRADING_CONFIG_DIR` mean the same thing
for markets.yaml, backtest.yaml and indicators.yaml.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from trading.shared.errors import loc_path

ENV_VAR = "TRADING_ENV"
CONFIG_DIR_VAR = "TRADING_CONFIG_DIR"
DEFAULT_ENV = "dev"
DEFAULT_CONFIG_ROOT = Path(__file__).resolve().parents[3] / "configs"

_ENV_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file is missing or invalid; the message names the file and the key."""


def config_dir() -> Path:
    """`<TRADING_CONFIG_DIR or repo configs/>/<TRADING_ENV or dev>`; fails fast if it does not exist."""
    env = os.environ.get(ENV_VAR, DEFAULT_ENV)
    if not _ENV_NAME.match(env):
        raise ConfigError(f"{ENV_VAR}={env!r} is not a valid environment name")
    root = Path(os.environ.get(CONFIG_DIR_VAR) or DEFAULT_CONFIG_ROOT)
    directory = root / env
    if not directory.is_dir():
        raise ConfigError(f"{ENV_VAR}={env!r}: config directory {directory} does not exist")
    return directory


def config_file(name: str) -> Path:
    """Path of one config file of the selected environment (e.g. `markets.yaml`), which must exist."""
    path = config_dir() / name
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    return path


def load_config_model(path: Path, model: type[ModelT]) -> ModelT:
    """Parse a YAML file into a strict pydantic model; errors become ConfigError naming each bad key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read YAML: {exc}") from exc
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        problems = "; ".join(f"{loc_path(err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from exc
