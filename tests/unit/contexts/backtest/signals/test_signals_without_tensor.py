"""Price against a moving average without the [v, n] tensor: the rows must be the tensor path's, exactly,
for every indicator that takes this path, every source, any target start and 1 or 2 threads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numba
import numpy as np
import pytest

from trading.contexts.backtest.application.services.signals_from_indicators_v1 import (
    signals_for_tensor,
    signals_need_no_tensor,
    signals_without_tensor,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.contexts.indicators.domain.price_sources import OhlcvArrays

WITHOUT_TENSOR = [d.indicator_id for d in default_registry() if d.moving_average_kind is not None]


def flat_stretch_bars(n: int, seed: int) -> OhlcvArrays:
    """Whole-unit prices that often stay put (the average then equals the price: NEUTRAL bars), a
    one-bar and a 40-bar NaN gap."""
    rng = np.random.default_rng(seed)
    close = np.round(100.0 + np.cumsum(rng.choice([-1.0, 0.0, 0.0, 0.0, 1.0], n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(open_, close) + rng.integers(0, 2, n)
    low = np.minimum(open_, close) - rng.integers(0, 2, n)
    arrays = [open_, high, low, close, rng.uniform(1.0, 10.0, n)]
    for a in arrays:
        a[700] = np.nan
        a[1_200:1_240] = np.nan
    return OhlcvArrays.of(*arrays)


def grid(indicator_id: str, windows: list[int], sources: list[str] | None = None) -> IndicatorGrid:
    request: dict[str, Any] = {
        "indicator_id": indicator_id,
        "params": {"window": {"mode": "explicit", "values": windows}},
    }
    if sources is not None:
        request["inputs"] = {"source": {"mode": "explicit", "values": sources}}
    (built,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    return built


@pytest.fixture(params=[1, 2], ids=["1 thread", "2 threads"])
def threads(request: pytest.FixtureRequest) -> Iterator[int]:
    before = numba.get_num_threads()
    numba.set_num_threads(min(request.param, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    yield request.param
    numba.set_num_threads(before)


def test_the_path_is_taken_by_the_averages_priced_against_their_source() -> None:
    assert {"ma.sma", "ma.ema", "ma.hma", "ma.zlema", "volatility.bbands", "trend.keltner"} <= set(WITHOUT_TENSOR)
    assert signals_need_no_tensor(grid("ma.sma", [5]))
    for other in ("ma.vwma", "momentum.rsi", "trend.supertrend", "volume.vwap"):
        (other_grid,) = build_indicator_grids([{"indicator_id": other}], default_registry(), IndicatorDefaults())
        assert not signals_need_no_tensor(other_grid)


@pytest.mark.parametrize("indicator_id", WITHOUT_TENSOR)
@pytest.mark.parametrize("start", [0, 333])
def test_rows_equal_the_tensor_path_exactly(indicator_id: str, start: int, threads: int) -> None:
    bars = flat_stretch_bars(3_000, seed=5)
    sources = ["close", "hl2", "open"] if grid(indicator_id, [5]).definition.has_source else None
    g = grid(indicator_id, [2, 3, 5, 9, 20, 64, 200], sources)
    reference = signals_for_tensor(compute_indicator(bars, g), bars)
    signals, variants = signals_without_tensor(g, bars, start)
    assert signals.rows.dtype == np.int8 and signals.rows.flags.c_contiguous
    np.testing.assert_array_equal(signals.rows, reference.rows[:, start:])
    assert signals.signal_params == reference.signal_params == [{}]
    assert signals.skipped_signal_combinations == 0
    assert variants == g.variants()
    counts = [np.count_nonzero(signals.rows == side) for side in (-1, 0, 1)]
    assert min(counts) > 1_000  # all three sides occur, NEUTRAL on the flat stretches and in the gaps


def test_more_threads_than_variants() -> None:
    bars = flat_stretch_bars(1_000, seed=6)
    g = grid("ma.sma", [4])
    expected = signals_for_tensor(compute_indicator(bars, g), bars).rows
    np.testing.assert_array_equal(signals_without_tensor(g, bars, 0)[0].rows, expected)
