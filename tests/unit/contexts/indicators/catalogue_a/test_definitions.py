"""Catalogue-A definitions: signal rule family per engine.md section 3, and a per-variant lookback
equal to the first valid bar of every variant of the default grid."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.contexts.indicators.catalogue_a.catalogue import CATALOGUE_A, SIGNAL_RULES
from tests.unit.contexts.indicators.conftest import random_walk_bars
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids

BARS = random_walk_bars(1200, seed=5)


def test_every_catalogue_a_indicator_is_registered_with_its_rule_family() -> None:
    registry = default_registry()
    assert set(CATALOGUE_A) <= set(registry.ids())
    assert {d.indicator_id: d.signal_rule for d in registry if d.indicator_id in SIGNAL_RULES} == SIGNAL_RULES


@pytest.mark.parametrize("indicator_id", CATALOGUE_A)
def test_lookback_is_each_variants_first_valid_bar(indicator_id: str) -> None:
    (grid,) = build_indicator_grids([{"indicator_id": indicator_id}], default_registry(), IndicatorDefaults())
    tensor = compute_indicator(BARS, grid)
    for row, variant in zip(tensor.primary, tensor.variants, strict=True):
        lookback = grid.definition.lookback(variant.params)
        assert np.isnan(row[:lookback]).all()
        assert not np.isnan(row[lookback:]).any()
