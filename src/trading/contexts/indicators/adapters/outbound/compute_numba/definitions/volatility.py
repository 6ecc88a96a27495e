"""Volatility: atr, tr, stddev, variance, hv and Bollinger bandwidth (rising/falling volatility),
Bollinger basis and %B."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions.common import (
    DELTA_SIGNALS,
    HLC,
    SOURCE,
    bars_kernel,
    lag,
    source_kernel,
    threshold_signals,
    window,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import dispersion, ma, volatility
from trading.contexts.indicators.domain.definition import IndicatorDefinition, LookbackFn
from trading.contexts.indicators.domain.param_spec import float_param

NBDEV = float_param("nbdev", 0.1, 10.0, {"mode": "explicit", "values": [2.0]})


def _windowed_spread(name: str, kernel: Callable[..., np.ndarray], lookback: LookbackFn) -> IndicatorDefinition:
    """A source-parameterised dispersion over `window` bars, read by its direction (delta_sign)."""
    return IndicatorDefinition(
        indicator_id=f"volatility.{name}",
        group="volatility",
        inputs=(SOURCE,),
        params=(window(10, 50, 10),),
        outputs=("value",),
        primary_output="value",
        signal_rule="delta_sign",
        signal_params=DELTA_SIGNALS,
        compute=source_kernel(kernel, "window"),
        lookback=lookback,
    )


DEFINITIONS = (
    IndicatorDefinition(
        indicator_id="volatility.atr",
        group="volatility",
        inputs=(),
        params=(window(7, 28, 7, minimum=1),),
        outputs=("value",),
        primary_output="value",
        signal_rule="delta_sign",
        signal_params=DELTA_SIGNALS,
        compute=bars_kernel(volatility.atr, HLC, "window"),
        lookback=lag(("window", 1)),
    ),
    IndicatorDefinition(
        indicator_id="volatility.stddev",
        group="volatility",
        inputs=(SOURCE,),
        params=(window(10, 50, 10),),
        outputs=("value",),
        primary_output="value",
        signal_rule="delta_sign",
        signal_params=DELTA_SIGNALS,
        compute=source_kernel(volatility.stddev, "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="volatility.bbands",
        group="volatility",
        inputs=(SOURCE,),
        params=(window(10, 50, 5),),
        outputs=("basis", "upper", "lower"),
        primary_output="basis",
        signal_rule="compare_price_to_output",
        compute=source_kernel(ma.sma, "window"),
        lookback=lag(("window", 1), offset=-1),
        moving_average_kind=ma.SMA,
    ),
    IndicatorDefinition(
        indicator_id="volatility.bbands_percent_b",
        group="volatility",
        inputs=(SOURCE,),
        params=(window(10, 50, 10), NBDEV),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(-5.0, 5.0, 0.0, 1.0),
        compute=source_kernel(volatility.bbands_percent_b, "window", "nbdev"),
        lookback=lag(("window", 1), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="volatility.tr",
        group="volatility",
        inputs=(),
        params=(),
        outputs=("value",),
        primary_output="value",
        signal_rule="delta_sign",
        signal_params=DELTA_SIGNALS,
        compute=bars_kernel(dispersion.tr, HLC),
        lookback=lag(offset=1),
    ),
    _windowed_spread("variance", dispersion.variance, lag(("window", 1), offset=-1)),
    _windowed_spread("hv", dispersion.hv, lag(("window", 1))),
    _windowed_spread("bbands_bandwidth", dispersion.bbands_bandwidth, lag(("window", 1), offset=-1)),
)
