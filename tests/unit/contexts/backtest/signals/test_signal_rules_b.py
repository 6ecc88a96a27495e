"""Catalogue-B signal rules: threshold_centered, compare_volume_to_output, pivot_event and
candle_direction golden rows incl. NaN and equality, row layout, and the rules through real tensors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.contexts.backtest.application.services.signals_from_indicators_v1 import (
    signals_for_tensor,
    signals_from_indicator,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.grid_axis import GridAxis
from trading.contexts.indicators.domain.price_sources import OhlcvArrays

NAN = np.nan
ONE_IDX = np.zeros(1, dtype=np.int64)


def rule_rows(rule, primary: np.ndarray, axes: list[GridAxis], bars: OhlcvArrays | None = None) -> list[list[int]]:
    result = signals_from_indicator(rule, primary, primary, ONE_IDX, axes, bars)
    assert result.rows.dtype == np.int8
    return result.rows.tolist()


def test_threshold_centered_strict_around_one() -> None:
    primary = np.array([[1.2, 1.05, 1.0, 0.95, 0.8, NAN, 1.0 + 1e-12]])
    rows = rule_rows("threshold_centered", primary, [GridAxis("abs_threshold", (0.0, 0.05))])
    assert rows == [
        [1, 1, 0, -1, -1, 0, 1],  # 0.0: above 1 LONG, below 1 SHORT, exactly 1 NEUTRAL
        [1, 0, 0, 0, -1, 0, 0],  # 0.05: 1.05 and 0.95 sit on the band edges -> NEUTRAL
    ]


def test_compare_volume_to_output_needs_heavy_volume_and_a_directed_candle() -> None:
    open_ = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 10.0, NAN])
    close = np.array([11.0, 9.0, 10.0, 11.0, 9.0, 11.0, 11.0])
    volume = np.array([5.0, 5.0, 5.0, 3.0, 4.0, NAN, 5.0])
    bars = OhlcvArrays.of(open_, np.maximum(open_, close), np.minimum(open_, close), close, volume)
    primary = np.array([[4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0], [NAN, 6.0, 4.0, 2.0, 2.0, 2.0, 2.0]])
    rows = signals_from_indicator(
        "compare_volume_to_output", primary, bars.close[None, :], np.zeros(2, dtype=np.int64), [], bars
    ).rows.tolist()
    assert rows == [
        [1, -1, 0, 0, 0, 0, 0],  # doji at t=2; volume 3 < 4 and 4 == 4 are not heavy; NaN volume/open
        [0, 0, 0, 1, -1, 0, 0],  # NaN average at t=0; 5 < 6 at t=1
    ]


def test_compare_volume_to_output_refuses_to_run_without_bars() -> None:
    with pytest.raises(ValueError, match="needs the bars"):
        signals_from_indicator("compare_volume_to_output", np.ones((1, 3)), np.ones((1, 3)), ONE_IDX, [])


def test_pivot_event_holds_the_latest_event_and_stops_at_nan() -> None:
    primary = np.array([[NAN, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, NAN, 0.0, 1.0, 1.0, 0.0]])
    rows = rule_rows("pivot_event", primary, [GridAxis("hold", (1, 3))])
    assert rows == [
        [0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 1, 0],  # hold 1: the event bar only
        [0, 0, 1, 1, 1, -1, -1, 0, 0, 1, 1, 1],  # hold 3: a new event replaces the side; NaN ends it
    ]


def test_candle_direction_strict_body_threshold() -> None:
    primary = np.array([[0.8, 0.5, 0.1, 0.0, -0.5, -0.9, NAN]])
    rows = rule_rows("candle_direction", primary, [GridAxis("min_body", (0.0, 0.5))])
    assert rows == [
        [1, 1, 1, 0, -1, -1, 0],  # doji (0.0) and NaN -> NEUTRAL
        [1, 0, 0, 0, 0, -1, 0],  # body must exceed half the range
    ]


def test_parameterised_rows_are_variant_major_signal_minor() -> None:
    primary = np.array([[1.1, 0.9], [1.02, 0.97]])
    result = signals_from_indicator(
        "threshold_centered", primary, primary, np.zeros(2, dtype=np.int64), [GridAxis("abs_threshold", (0.0, 0.05))]
    )
    assert result.rows.tolist() == [[1, -1], [1, -1], [1, -1], [0, 0]]


def tensor_signals(indicator_id: str, bars: OhlcvArrays, request: dict | None = None):
    (grid,) = build_indicator_grids(
        [{"indicator_id": indicator_id, **(request or {})}], default_registry(), IndicatorDefaults()
    )
    return signals_for_tensor(compute_indicator(bars, grid), bars)


def test_pivots_through_the_registry_signal_on_the_confirming_bar() -> None:
    """Low 1.0 at bar 2 is a pivot low for left = right = 2, known at bar 4: LONG from bar 4 for 2 bars."""
    low = np.array([5.0, 4.0, 1.0, 3.0, 4.0, 4.5, 5.0, 6.0])
    bars = OhlcvArrays.of(low + 0.5, low + 1.0, low, low + 0.5, np.ones(8))
    request = {
        "params": {"left": {"mode": "explicit", "values": [2]}, "right": {"mode": "explicit", "values": [2]}},
        "signals": {"hold": {"mode": "explicit", "values": [2]}},
    }
    assert tensor_signals("structure.pivots", bars, request).rows.tolist() == [[0, 0, 0, 0, 1, 1, 0, 0]]


def test_volume_sma_and_candle_body_through_the_registry() -> None:
    open_ = np.array([10.0, 10.0, 10.0, 10.0])
    close = np.array([11.0, 9.0, 12.0, 9.0])
    bars = OhlcvArrays.of(
        open_, np.maximum(open_, close) + 1.0, np.minimum(open_, close), close, np.array([1.0, 3.0, 8.0, 2.0])
    )
    window = {"params": {"window": {"mode": "explicit", "values": [2]}}}
    # volume sma(2) = [., 2, 5.5, 5]: bar 1 is heavy and red, bar 2 heavy and green, bar 3 light
    assert tensor_signals("volume.volume_sma", bars, window).rows.tolist() == [[0, -1, 1, 0]]
    body = {"signals": {"min_body": {"mode": "explicit", "values": [0.6]}}}
    # body / range = [1/2, -1/2, 2/3, -1/2]
    assert tensor_signals("structure.candle_body", bars, body).rows.tolist() == [[0, 0, 1, 0]]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 60), cut=st.floats(0.0, 1.0))
def test_signals_up_to_t_ignore_later_values(seed: int, n: int, cut: float) -> None:
    rng = np.random.default_rng(seed)
    t = int(cut * (n - 1))

    def sample() -> np.ndarray:
        values = rng.choice([-1.0, 0.0, 1.0, 0.5, 1.05, NAN], size=(2, n))
        return np.ascontiguousarray(values)

    primary, later = sample(), sample()
    later[:, : t + 1] = primary[:, : t + 1]
    price = np.ascontiguousarray(rng.normal(1.0, 0.1, n))
    bars = OhlcvArrays.of(price, price + 1.0, price - 1.0, price[::-1].copy(), np.abs(price) * 2.0)
    cases = [
        ("threshold_centered", [GridAxis("abs_threshold", (0.0, 0.02))]),
        ("pivot_event", [GridAxis("hold", (1, 4))]),
        ("candle_direction", [GridAxis("min_body", (0.0, 0.6))]),
        ("compare_volume_to_output", []),
    ]
    idx = np.zeros(2, dtype=np.int64)
    for rule, axes in cases:
        before = signals_from_indicator(rule, primary, price[None, :], idx, axes, bars).rows
        after = signals_from_indicator(rule, later, price[None, :], idx, axes, bars).rows
        np.testing.assert_array_equal(before[:, : t + 1], after[:, : t + 1])
