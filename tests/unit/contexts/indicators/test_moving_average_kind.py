"""A definition's `moving_average_kind` names the one-row kernel that gives its primary: row j of the
batched tensor equals moving_average_into(kind, source of variant j, window j) bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.contexts.indicators.conftest import random_walk_bars
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import moving_average_into
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids

KINDS = {d.indicator_id: d.moving_average_kind for d in default_registry() if d.moving_average_kind is not None}


def test_every_source_and_window_average_has_a_kind() -> None:
    assert set(KINDS) == {
        "ma.sma", "ma.ema", "ma.wma", "ma.rma", "ma.dema", "ma.tema", "ma.hma", "ma.zlema",
        "volatility.bbands", "trend.keltner",
    }  # fmt: skip
    assert len(set(KINDS.values())) == 8


@pytest.mark.parametrize("indicator_id", sorted(KINDS))
def test_one_row_kernel_equals_the_tensor_row(indicator_id: str) -> None:
    bars = random_walk_bars(2_000, seed=3)
    request = {
        "indicator_id": indicator_id,
        "inputs": {"source": {"mode": "explicit", "values": ["close", "ohlc4"]}},
        "params": {"window": {"mode": "explicit", "values": [2, 7, 30, 150]}},
    }
    (grid,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    tensor = compute_indicator(bars, grid)
    out = np.empty(bars.n_bars)
    for j, variant in enumerate(tensor.variants):
        moving_average_into(
            KINDS[indicator_id], tensor.price_rows[tensor.price_idx[j]], int(variant.params["window"]), out
        )
        assert np.array_equal(out.view(np.int64), tensor.primary[j].view(np.int64))
    assert np.isfinite(tensor.primary[:, -1]).all()
