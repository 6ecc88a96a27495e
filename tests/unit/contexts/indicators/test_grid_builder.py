"""Request -> grids: defaults fill omitted axes; every problem is reported with its path."""

from __future__ import annotations

import pytest

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.shared.errors import DomainError

DEFAULTS = IndicatorDefaults({"ma.sma": {"params": {"window": {"mode": "explicit", "values": [10, 30]}}}})


def test_axis_precedence_request_then_config_then_definition() -> None:
    registry = default_registry()
    (from_config,) = build_indicator_grids([{"indicator_id": "ma.sma"}], registry, DEFAULTS)
    assert [a.values for a in from_config.axes] == [("close",), (10, 30)]
    request = {"indicator_id": "ma.sma", "params": {"window": 7}, "inputs": {"source": "ohlc4"}}
    (from_request,) = build_indicator_grids([request], registry, DEFAULTS)
    assert [a.values for a in from_request.axes] == [("ohlc4",), (7,)]
    (from_definition,) = build_indicator_grids([{"indicator_id": "ma.ema"}], registry, DEFAULTS)
    assert from_definition.axes[1].values == tuple(range(5, 201, 5))


def test_all_problems_reported_with_paths() -> None:
    requests = [
        {"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [1]}, "length": 5}},
        {"indicator_id": "ma.nope"},
        {"indicator_id": "momentum.rsi", "signals": {"long_threshold": {"mode": "explicit", "values": [101.0]}}},
    ]
    with pytest.raises(DomainError) as caught:
        build_indicator_grids(requests, default_registry(), IndicatorDefaults())
    error = caught.value
    assert error.code == "validation_error"
    details = error.payload()["error"]["details"]
    assert [(d["path"], d["code"]) for d in details] == [
        ("indicators[0].params.length", "unknown_param"),
        ("indicators[0].params.window", "out_of_bounds"),
        ("indicators[1].indicator_id", "unknown_indicator"),
        ("indicators[2].signals.long_threshold", "out_of_bounds"),
    ]
    assert "[2, 5000]" in details[1]["message"]


def test_accepts_pydantic_request_models() -> None:
    from trading.contexts.backtest.application.dto.run_backtest import IndicatorGridRequest

    request = IndicatorGridRequest.model_validate(
        {"indicator_id": "ma.wma", "params": {"window": {"mode": "range", "start": 10, "stop_incl": 20, "step": 5}}}
    )
    (grid,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    assert grid.axes[1].values == (10, 15, 20)
