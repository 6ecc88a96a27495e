"""The indicator registry and its configured default grids, loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.domain.registry import IndicatorRegistry


@dataclass(frozen=True)
class IndicatorCatalog:
    registry: IndicatorRegistry
    defaults: IndicatorDefaults


@cache
def default_indicator_catalog() -> IndicatorCatalog:
    registry = default_registry()
    return IndicatorCatalog(registry, load_indicator_defaults(registry))
