"""Cartesian enumeration properties: dicts, columns and mixed-radix order agree for any axes."""

from __future__ import annotations

import numpy as np
import talib
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.contexts.indicators.conftest import random_walk_bars
from trading.contexts.indicators.domain.cartesian import product_columns, product_dicts, product_size
from trading.contexts.indicators.domain.grid_axis import GridAxis
from trading.contexts.indicators.domain.price_sources import OhlcvArrays, source_series


@given(st.lists(st.integers(1, 5), min_size=0, max_size=4))
def test_index_i_is_mixed_radix_with_last_axis_fastest(sizes: list[int]) -> None:
    axes = [GridAxis(f"a{k}", tuple(range(10 * k, 10 * k + size))) for k, size in enumerate(sizes)]
    dicts = product_dicts(axes)
    columns = product_columns(axes)
    assert len(dicts) == product_size(axes) == int(np.prod(sizes))
    for i, combo in enumerate(dicts):
        remainder = i
        for k in reversed(range(len(sizes))):
            assert combo[f"a{k}"] == 10 * k + remainder % sizes[k]
            assert columns[f"a{k}"][i] == combo[f"a{k}"]
            remainder //= sizes[k]


def test_composite_sources_match_talib_price_transforms() -> None:
    bars: OhlcvArrays = random_walk_bars(1000, seed=5)
    np.testing.assert_allclose(source_series(bars, "hl2"), talib.MEDPRICE(bars.high, bars.low), rtol=1e-15)
    np.testing.assert_allclose(source_series(bars, "hlc3"), talib.TYPPRICE(bars.high, bars.low, bars.close), rtol=1e-15)
    np.testing.assert_allclose(
        source_series(bars, "ohlc4"), talib.AVGPRICE(bars.open, bars.high, bars.low, bars.close), rtol=1e-15
    )
    np.testing.assert_array_equal(source_series(bars, "open"), bars.open)
