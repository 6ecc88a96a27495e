"""indicators.yaml: default grids per indicator, checked against the registry and the guards at load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grid
from trading.contexts.indicators.application.services.guards import GuardLimits, enforce_grid_guards
from trading.contexts.indicators.domain.registry import IndicatorRegistry
from trading.shared.config_paths import ConfigError, config_file, load_config_model
from trading.shared.errors import DomainError

CONFIG_NAME = "indicators.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DefaultGridGuards(_Strict):
    """Every default grid must fit these on `reference_bars` bars."""

    max_variants_per_indicator: int = Field(gt=0)
    max_compute_bytes: int = Field(gt=0)
    reference_bars: int = Field(gt=0)


class IndicatorDefaultsEntry(_Strict):
    inputs: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    signals: dict[str, Any] = Field(default_factory=dict)


class IndicatorsFile(_Strict):
    guards: DefaultGridGuards
    indicators: dict[str, IndicatorDefaultsEntry]


def load_indicator_defaults(registry: IndicatorRegistry, path: Path | None = None) -> IndicatorDefaults:
    """Fails with ConfigError naming the key: unknown or missing indicator, unknown axis, bad axis
    spec, or a default grid over the guards."""
    path = path or config_file(CONFIG_NAME)
    parsed = load_config_model(path, IndicatorsFile)
    unknown = sorted(set(parsed.indicators) - set(registry.ids()))
    missing = sorted(set(registry.ids()) - set(parsed.indicators))
    if unknown or missing:
        problems = [f"indicators.{i}: unknown indicator" for i in unknown]
        problems += [f"indicators.{i}: missing (every registered indicator needs default grids)" for i in missing]
        raise ConfigError(f"{path}: " + "; ".join(problems))
    defaults = IndicatorDefaults({key: entry.model_dump() for key, entry in parsed.indicators.items()})
    limits = GuardLimits(parsed.guards.max_variants_per_indicator, parsed.guards.max_compute_bytes)
    for indicator_id in registry.ids():
        key = f"indicators.{indicator_id}"
        as_request = {"indicator_id": indicator_id, **defaults.grids[indicator_id]}
        try:
            grid = build_indicator_grid(as_request, registry, IndicatorDefaults(), key)
            enforce_grid_guards([grid], parsed.guards.reference_bars, limits)
        except DomainError as exc:
            problems = [f"{d.path}: {d.message}" for d in exc.details] or [f"{key}: {exc.message}"]
            raise ConfigError(f"{path}: " + "; ".join(problems)) from exc
    return defaults
