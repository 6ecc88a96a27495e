"""Compute service over the whole registry: row order, warmup (lookback) and no look-ahead."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from tests.unit.contexts.indicators.conftest import random_walk_bars
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.contexts.indicators.domain.price_sources import OhlcvArrays
from trading.contexts.market_data.domain.timeline import Timeline

SHORT_BARS = random_walk_bars(1500, seed=11)


def default_grid(indicator_id: str) -> IndicatorGrid:
    (grid,) = build_indicator_grids([{"indicator_id": indicator_id}], default_registry(), IndicatorDefaults())
    return grid


def test_rows_follow_variant_order_and_sources() -> None:
    request = {
        "indicator_id": "ma.ema",
        "inputs": {"source": {"mode": "explicit", "values": ["hl2", "close"]}},
        "params": {"window": {"mode": "explicit", "values": [30, 10]}},
    }
    (grid,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    tensor = compute_indicator(SHORT_BARS, grid)
    hl2 = talib.MEDPRICE(SHORT_BARS.high, SHORT_BARS.low)
    expected = [
        talib.EMA(hl2, timeperiod=30),
        talib.EMA(hl2, timeperiod=10),
        talib.EMA(SHORT_BARS.close, timeperiod=30),
        talib.EMA(SHORT_BARS.close, timeperiod=10),
    ]
    assert [(v.inputs["source"], v.params["window"]) for v in tensor.variants] == [
        ("hl2", 30), ("hl2", 10), ("close", 30), ("close", 10)
    ]  # fmt: skip
    for row, reference in zip(tensor.primary, expected, strict=True):
        np.testing.assert_allclose(row, reference, rtol=1e-12, equal_nan=True)
    assert tensor.price_idx.tolist() == [0, 0, 1, 1]
    np.testing.assert_array_equal(tensor.price_rows[1], SHORT_BARS.close)


def test_indicator_without_source_prices_against_close() -> None:
    tensor = compute_indicator(SHORT_BARS, default_grid("trend.supertrend"))
    assert tensor.price_rows.shape == (1, 1500)
    np.testing.assert_array_equal(tensor.price_rows[0], SHORT_BARS.close)
    assert tensor.price_idx.tolist() == [0] * tensor.grid.n_variants


def test_accepts_a_timeline() -> None:
    n = 300
    timeline = Timeline(
        "1:BTCUSDT", "1h", np.arange(n, dtype=np.int64) * 3_600_000,
        SHORT_BARS.open[:n], SHORT_BARS.high[:n], SHORT_BARS.low[:n], SHORT_BARS.close[:n],
        SHORT_BARS.volume[:n], np.zeros(n, dtype=bool), 100, 100, 0, 0,
    )  # fmt: skip
    tensor = compute_indicator(timeline, default_grid("ma.sma"))
    np.testing.assert_allclose(tensor.primary[0], talib.SMA(SHORT_BARS.close[:n], timeperiod=5), equal_nan=True)


@pytest.mark.parametrize("indicator_id", default_registry().ids())
def test_lookback_is_the_first_valid_bar_of_the_slowest_variant(indicator_id: str) -> None:
    grid = default_grid(indicator_id)
    tensor = compute_indicator(SHORT_BARS, grid)
    first_valid = [int(np.argmax(~np.isnan(row))) for row in tensor.primary]
    assert max(first_valid) == grid.lookback()
    assert not np.isnan(tensor.primary[:, grid.lookback() :]).any()


@pytest.mark.parametrize("indicator_id", default_registry().ids())
def test_no_look_ahead(indicator_id: str) -> None:
    """Replacing every bar after t by other bars never changes values at bars <= t."""
    grid = default_grid(indicator_id)
    other = random_walk_bars(1500, seed=99)
    t = 700
    mixed = OhlcvArrays.of(
        *(np.concatenate((getattr(SHORT_BARS, f)[: t + 1], getattr(other, f)[t + 1 :] * 1.3))
          for f in ("open", "high", "low", "close", "volume"))
    )  # fmt: skip
    base = compute_indicator(SHORT_BARS, grid).primary
    changed = compute_indicator(mixed, grid).primary
    np.testing.assert_array_equal(base[:, : t + 1], changed[:, : t + 1])
    assert not np.array_equal(base[:, t + 1 :], changed[:, t + 1 :], equal_nan=True)
