"""Estimates and guards: the error says requested vs allowed numbers."""

from __future__ import annotations

import pytest

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.application.services.guards import (
    GuardLimits,
    enforce_grid_guards,
    estimate_grid,
)
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.shared.errors import DomainError


def grids() -> list[IndicatorGrid]:
    requests = [
        {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 5, "stop_incl": 200, "step": 1}}},
        {
            "indicator_id": "momentum.rsi",
            "params": {"window": {"mode": "explicit", "values": [7, 14]}},
            "signals": {
                "long_threshold": {"mode": "explicit", "values": [20.0, 30.0]},
                "short_threshold": {"mode": "explicit", "values": [70.0, 80.0, 90.0]},
            },
        },
    ]
    return build_indicator_grids(requests, default_registry(), IndicatorDefaults())


def test_estimate_counts_tensor_and_signal_bytes() -> None:
    estimate = estimate_grid(grids()[1], n_bars=1000)
    assert (estimate.n_variants, estimate.n_signal_variants, estimate.n_signal_rows) == (2, 6, 12)
    assert estimate.tensor_bytes == 2 * 1000 * 8
    assert estimate.signal_bytes == 12 * 1000
    assert estimate.total_bytes == 28_000


def test_within_limits_returns_estimates() -> None:
    estimates = enforce_grid_guards(grids(), 1000, GuardLimits(max_variants=196 * 12, max_bytes=10**9))
    assert [e.n_signal_rows for e in estimates] == [196, 12]


def test_too_many_variants_names_the_numbers() -> None:
    with pytest.raises(DomainError) as caught:
        enforce_grid_guards(grids(), 1000, GuardLimits(max_variants=2000, max_bytes=10**9))
    assert caught.value.code == "too_many_variants"
    assert "requested 2,352 variants, allowed 2,000" in caught.value.message
    assert caught.value.payload()["error"]["requested"] == 2352
    assert caught.value.extra == {"requested": 2352, "allowed": 2000}


def test_memory_budget_names_the_numbers() -> None:
    # sma: 196 * 1000 * 8 + 196 * 1000; rsi: 28_000 -> 1_792_000 bytes
    with pytest.raises(DomainError) as caught:
        enforce_grid_guards(grids(), 1000, GuardLimits(max_variants=10**6, max_bytes=1_000_000))
    assert caught.value.code == "memory_budget_exceeded"
    assert "requested 1,792,000 bytes, allowed 1,000,000" in caught.value.message
    assert caught.value.extra == {"requested_bytes": 1_792_000, "allowed_bytes": 1_000_000}
