"""Variants are the cartesian product in definition axis order, last axis fastest."""

from __future__ import annotations

import numpy as np

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids


def test_macd_enumeration_golden() -> None:
    request = {
        "indicator_id": "momentum.macd",
        "inputs": {"source": {"mode": "explicit", "values": ["hl2", "close"]}},
        "params": {
            "fast": {"mode": "explicit", "values": [12, 8]},
            "slow": {"mode": "range", "start": 20, "stop_incl": 30, "step": 10},
        },
    }
    (grid,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    assert grid.n_variants == 8
    golden = [
        ("hl2", 12, 20), ("hl2", 12, 30), ("hl2", 8, 20), ("hl2", 8, 30),
        ("close", 12, 20), ("close", 12, 30), ("close", 8, 20), ("close", 8, 30),
    ]  # fmt: skip
    variants = grid.variants()
    assert [(v.inputs["source"], v.params["fast"], v.params["slow"]) for v in variants] == golden
    columns = grid.columns()
    assert columns["slow"].dtype == np.int64
    assert columns["fast"].tolist() == [12, 12, 8, 8, 12, 12, 8, 8]
    assert columns["source"].tolist() == [g[0] for g in golden]


def test_signal_combinations_follow_definition_order() -> None:
    request = {
        "indicator_id": "momentum.rsi",
        "signals": {
            "short_threshold": {"mode": "explicit", "values": [70.0, 80.0]},
            "long_threshold": {"mode": "explicit", "values": [30.0, 20.0, 25.0]},
        },
    }
    (grid,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    pairs = [(c["long_threshold"], c["short_threshold"]) for c in grid.signal_param_dicts()]
    assert pairs == [(30.0, 70.0), (30.0, 80.0), (20.0, 70.0), (20.0, 80.0), (25.0, 70.0), (25.0, 80.0)]
    assert grid.n_signal_variants == 6
    assert grid.signal_columns()["short_threshold"].tolist() == [70.0, 80.0] * 3


def test_indicator_without_axes_has_exactly_one_variant() -> None:
    (grid,) = build_indicator_grids([{"indicator_id": "volume.obv"}], default_registry(), IndicatorDefaults())
    assert grid.n_variants == 1
    assert grid.variants()[0].as_payload() == {"indicator_id": "volume.obv", "inputs": {}, "params": {}}
