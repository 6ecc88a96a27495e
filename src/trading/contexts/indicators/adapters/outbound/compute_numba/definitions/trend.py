"""Trend: adx (rising/falling strength) and supertrend (close vs the trailing band)."""

from __future__ import annotations

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions.common import (
    DELTA_SIGNALS,
    HLC,
    bars_kernel,
    lag,
    window,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import trend
from trading.contexts.indicators.domain.definition import IndicatorDefinition
from trading.contexts.indicators.domain.param_spec import float_param

MULTIPLIER = float_param("multiplier", 0.1, 20.0, {"mode": "range", "start": 2.0, "stop_incl": 4.0, "step": 0.5})

DEFINITIONS = (
    IndicatorDefinition(
        indicator_id="trend.adx",
        group="trend",
        inputs=(),
        params=(window(7, 28, 7),),
        outputs=("value",),
        primary_output="value",
        signal_rule="delta_sign",
        signal_params=DELTA_SIGNALS,
        compute=bars_kernel(trend.adx, HLC, "window"),
        lookback=lag(("window", 2), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="trend.supertrend",
        group="trend",
        inputs=(),
        params=(window(7, 21, 7, minimum=1), MULTIPLIER),
        outputs=("line",),
        primary_output="line",
        signal_rule="compare_price_to_output",
        compute=bars_kernel(trend.supertrend, HLC, "window", "multiplier"),
        lookback=lag(("window", 1)),
    ),
)
