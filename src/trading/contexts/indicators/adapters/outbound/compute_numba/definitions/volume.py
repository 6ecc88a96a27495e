"""Volume: obv (rising/falling flow) and mfi (threshold band)."""

from __future__ import annotations

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions.common import (
    DELTA_SIGNALS,
    HLC,
    bars_kernel,
    lag,
    threshold_signals,
    window,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import volume
from trading.contexts.indicators.domain.definition import IndicatorDefinition

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
        compute=bars_kernel(volume.mfi, (*HLC, "volume"), "window"),
        lookback=lag(("window", 1)),
    ),
)
