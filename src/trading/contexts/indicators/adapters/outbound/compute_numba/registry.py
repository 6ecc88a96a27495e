"""The registry of every indicator this build computes, assembled from the per-group definitions.

Adding an indicator = one kernel, one `IndicatorDefinition` in its group module, its default grids
in indicators.yaml, and tests.
"""

from __future__ import annotations

from functools import cache

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions import (
    ma,
    momentum,
    structure,
    trend,
    volatility,
    volume,
)
from trading.contexts.indicators.domain.registry import IndicatorRegistry


@cache
def default_registry() -> IndicatorRegistry:
    return IndicatorRegistry(
        (
            *ma.DEFINITIONS,
            *volatility.DEFINITIONS,
            *momentum.DEFINITIONS,
            *trend.DEFINITIONS,
            *volume.DEFINITIONS,
            *structure.DEFINITIONS,
        )
    )
