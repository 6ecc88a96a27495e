"""Catalogue-B definitions: registered with engine.md's signal families, and keltner's middle line
is the EMA of its source (TA-Lib EMA) through the compute service."""

from __future__ import annotations

import numpy as np
import talib

from tests.unit.contexts.indicators.kernels.kernel_checks import assert_parity, parity_bars
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.price_sources import OhlcvArrays

SIGNAL_RULES = {
    "trend.aroon": "threshold_band",
    "trend.donchian": "compare_price_to_output",
    "trend.keltner": "compare_price_to_output",
    "trend.psar": "compare_price_to_output",
    "trend.vortex": "threshold_centered",
    "trend.linreg_slope": "sign",
    "trend.chandelier_exit": "compare_price_to_output",
    "trend.ichimoku": "compare_price_to_output",
    "volume.ad_line": "delta_sign",
    "volume.cmf": "threshold_band",
    "volume.volume_sma": "compare_volume_to_output",
    "volume.vwap": "compare_price_to_output",
    "volume.vwap_deviation": "threshold_band",
    "structure.candle_body": "candle_direction",
    "structure.pivots": "pivot_event",
    "structure.zscore": "threshold_band",
    "structure.percent_rank": "threshold_band",
    "structure.distance_to_ma_norm": "threshold_band",
}


def test_new_indicators_use_the_specified_signal_families() -> None:
    registry = default_registry()
    rules = {indicator_id: registry.get(indicator_id) for indicator_id in SIGNAL_RULES}
    assert {i: d.signal_rule for i, d in rules.items() if d is not None} == SIGNAL_RULES
    assert {d.group for d in rules.values() if d is not None} == {"trend", "volume", "structure"}


def test_keltner_middle_is_the_ema_of_its_source() -> None:
    bars = parity_bars().slice(0, 20_000)
    request = {
        "indicator_id": "trend.keltner",
        "inputs": {"source": {"mode": "explicit", "values": ["close", "hl2"]}},
        "params": {"window": {"mode": "explicit", "values": [20]}},
    }
    (grid,) = build_indicator_grids([request], default_registry(), IndicatorDefaults())
    tensor = compute_indicator(OhlcvArrays.of(*bars), grid)
    assert_parity(tensor.primary[0], talib.EMA(bars.close, 20))
    assert_parity(tensor.primary[1], talib.EMA((bars.high + bars.low) / 2.0, 20))
    np.testing.assert_array_equal(tensor.price_rows[tensor.price_idx[1]], (bars.high + bars.low) / 2.0)
