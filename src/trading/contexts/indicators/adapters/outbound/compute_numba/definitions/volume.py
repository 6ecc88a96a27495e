"""Volume: obv and ad_line (rising/falling flow), mfi, cmf and vwap_deviation (threshold bands),
vwap (price vs line) and volume_sma (volume vs its average, with the candle's direction)."""

from __future__ import annotations

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions.common import (
    DELTA_SIGNALS,
    HLC,
    bars_kernel,
    lag,
    threshold_signals,
    window,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import volume, volume_flow
from trading.contexts.indicators.domain.definition import IndicatorDefinition

HLCV = (*HLC, "volume")

DEFINITIONS = (
    IndicatorDefinition(
        indicator_id="volume.obv",
        group="volume",
        inputs=(),
        params=(),
        outputs=("value",),
        primary_output="value",
        signal_rule="delta_sign",
        signal_params=DELTA_SIGNALS,
        compute=bars_kernel(volume.obv, ("close", "volume")),
        lookback=lag(),
    ),
    IndicatorDefinition(
        indicator_id="volume.mfi",
        group="volume",
        inputs=(),
        params=(window(7, 28, 7),),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(0.0, 100.0, 20.0, 80.0),
        compute=bars_kernel(volume.mfi, HLCV, "window"),
        lookback=lag(("window", 1)),
    ),
    IndicatorDefinition(
        indicator_id="volume.ad_line",
        group="volume",
        inputs=(),
        params=(),
        outputs=("value",),
        primary_output="value",
        signal_rule="delta_sign",
        signal_params=DELTA_SIGNALS,
        compute=bars_kernel(volume_flow.ad_line, HLCV),
        lookback=lag(),
    ),
    IndicatorDefinition(
        indicator_id="volume.cmf",
        group="volume",
        inputs=(),
        params=(window(10, 30, 10),),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(-1.0, 1.0, 0.05, -0.05),
        compute=bars_kernel(volume_flow.cmf, HLCV, "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="volume.volume_sma",
        group="volume",
        inputs=(),
        params=(window(10, 50, 10),),
        outputs=("value",),
        primary_output="value",
        signal_rule="compare_volume_to_output",
        compute=bars_kernel(volume_flow.volume_sma, ("volume",), "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="volume.vwap",
        group="volume",
        inputs=(),
        params=(window(20, 100, 20),),
        outputs=("value",),
        primary_output="value",
        signal_rule="compare_price_to_output",
        compute=bars_kernel(volume_flow.vwap, HLCV, "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="volume.vwap_deviation",
        group="volume",
        inputs=(),
        params=(window(20, 100, 20),),
        outputs=("percent",),
        primary_output="percent",
        signal_rule="threshold_band",
        signal_params=threshold_signals(-100.0, 100.0, -1.0, 1.0),
        compute=bars_kernel(volume_flow.vwap_deviation, HLCV, "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
)
