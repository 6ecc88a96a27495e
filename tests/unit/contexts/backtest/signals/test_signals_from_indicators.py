"""Signal rule families (golden rows incl. NaN, equality and lags), row layout, skipped pairs, AND."""

from __future__ import annotations

import numpy as np
import pytest

from trading.contexts.backtest.application.services.signals_from_indicators_v1 import (
    combine_and,
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
ZERO_IDX = np.zeros(2, dtype=np.int64)


def thresholds(longs: tuple[float, ...], shorts: tuple[float, ...]) -> list[GridAxis]:
    return [GridAxis("long_threshold", longs), GridAxis("short_threshold", shorts)]


def test_compare_price_to_output_golden() -> None:
    primary = np.array([[10.0, 10.0, 10.0, NAN, 10.0], [NAN, 9.0, 12.0, 11.0, 11.0]])
    price_rows = np.array([[9.0, 10.0, 11.0, 11.0, NAN], [1.0, 10.0, 11.0, 11.0, 12.0]])
    price_idx = np.array([0, 1], dtype=np.int64)
    result = signals_from_indicator("compare_price_to_output", primary, price_rows, price_idx, [])
    assert result.rows.dtype == np.int8
    assert result.rows.tolist() == [[-1, 0, 1, 0, 0], [0, 1, -1, 0, 1]]
    assert result.signal_params == [{}]
    assert result.skipped_signal_combinations == 0


def test_sign_golden() -> None:
    primary = np.array([[-2.0, 0.0, 3.0, NAN, -0.0, 1e-300]])
    result = signals_from_indicator("sign", primary, primary, ZERO_IDX[:1], [])
    assert result.rows.tolist() == [[-1, 0, 1, 0, 0, 1]]


def test_threshold_band_mean_reversion_and_trend_following_inclusive() -> None:
    primary = np.array([[10.0, 30.0, 50.0, 70.0, 90.0, NAN]])
    result = signals_from_indicator(
        "threshold_band", primary, primary, ZERO_IDX[:1], thresholds((30.0, 70.0), (70.0, 30.0))
    )
    assert result.signal_params == [
        {"long_threshold": 30.0, "short_threshold": 70.0},
        {"long_threshold": 70.0, "short_threshold": 30.0},
    ]
    assert result.rows.tolist() == [
        [1, 1, 0, -1, -1, 0],  # mean reversion: long at/below 30, short at/above 70
        [-1, -1, 0, 1, 1, 0],  # trend following: long at/above 70, short at/below 30
    ]
    assert result.skipped_signal_combinations == 2  # (30, 30) and (70, 70)


def test_delta_sign_with_lags_and_nan() -> None:
    primary = np.array([[1.0, 2.0, 2.0, 1.0, NAN, 5.0, 6.0]])
    axes = [GridAxis("n_long", (1, 2)), GridAxis("n_short", (1,))]
    result = signals_from_indicator("delta_sign", primary, primary, ZERO_IDX[:1], axes)
    assert result.signal_params == [{"n_long": 1, "n_short": 1}, {"n_long": 2, "n_short": 1}]
    assert result.rows.tolist() == [
        [0, 1, 0, -1, 0, 0, 1],  # lag 1: no history at t=0, flat t=2, NaN at t=4 and as t=5's base
        [0, 0, 1, -1, 0, 1, 0],  # rise over 2 needs t >= 2; t=5 rises vs x[3]; t=6's base x[4] is NaN
    ]


def test_delta_sign_both_directions_true_is_neutral() -> None:
    primary = np.array([[5.0, 1.0, 3.0, 4.0]])  # t=2 rises over 1 (3 > 1) and falls over 2 (3 < 5)
    axes = [GridAxis("n_long", (1,)), GridAxis("n_short", (2,))]
    result = signals_from_indicator("delta_sign", primary, primary, ZERO_IDX[:1], axes)
    assert result.rows.tolist() == [[0, 0, 0, 1]]


def test_rows_are_variant_major_signal_minor() -> None:
    primary = np.array([[30.0, 50.0], [35.0, 80.0]])
    result = signals_from_indicator("threshold_band", primary, primary, ZERO_IDX, thresholds((25.0, 40.0), (75.0,)))
    # rows: v0 x (25, 75), v0 x (40, 75), v1 x (25, 75), v1 x (40, 75)
    assert result.rows.tolist() == [[0, 0], [1, 0], [0, -1], [1, -1]]


def test_rules_without_params_repeat_for_each_combination() -> None:
    primary = np.array([[1.0, -1.0]])
    result = signals_from_indicator("sign", primary, primary, ZERO_IDX[:1], [GridAxis("unused", (1, 2))])
    assert result.rows.tolist() == [[1, -1], [1, -1]]


def test_signals_for_tensor_uses_the_definition_rule() -> None:
    price = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
    bars = OhlcvArrays.of(price, price, price, price, np.ones(5))
    request = {"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [2, 3]}}}
    (grid,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    signals = signals_for_tensor(compute_indicator(bars, grid))
    # sma2 = [., 1.5, 2.5, 2.5, 1.5]; sma3 = [., ., 2, 2.333, 2]
    assert signals.rows.tolist() == [[0, 1, 1, -1, -1], [0, 0, 1, -1, -1]]


def test_combine_and_golden() -> None:
    rsi = np.array([[1, 1, -1, 0, -1], [1, -1, -1, 1, 0]], dtype=np.int8)
    sma = np.array([[1, -1, -1, 0, -1], [1, 1, 1, 1, 1], [-1, -1, -1, -1, -1]], dtype=np.int8)
    picks = np.array([[0, 0], [1, 1], [1, 2], [0, 2]], dtype=np.int64)
    combined = combine_and([rsi, sma], picks)
    assert combined.dtype == np.int8
    assert combined.tolist() == [
        [1, 0, -1, 0, -1],
        [1, 0, 0, 1, 0],
        [0, -1, -1, 0, 0],
        [0, 0, -1, 0, -1],
    ]


def test_combine_and_single_indicator_is_a_row_gather() -> None:
    rows = np.array([[1, 0, -1], [-1, -1, 1]], dtype=np.int8)
    assert combine_and([rows], np.array([[1], [0], [1]])).tolist() == [[-1, -1, 1], [1, 0, -1], [-1, -1, 1]]


def test_combine_and_rejects_mismatched_picks() -> None:
    rows = np.zeros((1, 3), dtype=np.int8)
    with pytest.raises(ValueError, match="2 columns for 1 indicators"):
        combine_and([rows], np.zeros((1, 2), dtype=np.int64))
