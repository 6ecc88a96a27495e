"""Trend: adx (rising/falling strength), supertrend, channels and stops (price vs line), aroon
(threshold band), vortex (centred band around 1) and linreg_slope (sign of the slope)."""

from __future__ import annotations

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions.common import (
    DELTA_SIGNALS,
    HLC,
    SOURCE,
    bars_kernel,
    lag,
    named_window,
    source_kernel,
    threshold_signals,
    window,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import channels, directional, ma, trend
from trading.contexts.indicators.domain.definition import ComputeFn, IndicatorDefinition, LookbackFn
from trading.contexts.indicators.domain.param_spec import ParamSpec, float_param

MULTIPLIER = float_param("multiplier", 0.1, 20.0, {"mode": "range", "start": 2.0, "stop_incl": 4.0, "step": 0.5})
HIGH_LOW = ("high", "low")
ABS_THRESHOLD = (float_param("abs_threshold", 0.0, 1.0, {"mode": "explicit", "values": [0.0]}),)


def _price_line(
    name: str,
    inputs: tuple[ParamSpec, ...],
    params: tuple[ParamSpec, ...],
    compute: ComputeFn,
    lookback: LookbackFn,
    outputs: tuple[str, ...] = ("line",),
    moving_average_kind: int | None = None,
) -> IndicatorDefinition:
    """A line the price is compared against (`compare_price_to_output`)."""
    return IndicatorDefinition(
        indicator_id=f"trend.{name}",
        group="trend",
        inputs=inputs,
        params=params,
        outputs=outputs,
        primary_output=outputs[0],
        signal_rule="compare_price_to_output",
        compute=compute,
        lookback=lookback,
        moving_average_kind=moving_average_kind,
    )


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
    _price_line(
        "supertrend",
        (),
        (window(7, 21, 7, minimum=1), MULTIPLIER),
        bars_kernel(trend.supertrend, HLC, "window", "multiplier"),
        lag(("window", 1)),
    ),
    IndicatorDefinition(
        indicator_id="trend.aroon",
        group="trend",
        inputs=(),
        params=(window(14, 28, 7),),
        outputs=("oscillator",),
        primary_output="oscillator",
        signal_rule="threshold_band",
        signal_params=threshold_signals(-100.0, 100.0, 50.0, -50.0),
        compute=bars_kernel(directional.aroon, HIGH_LOW, "window"),
        lookback=lag(("window", 1)),
    ),
    _price_line(
        "donchian",
        (),
        (window(10, 50, 10),),
        bars_kernel(channels.donchian, HIGH_LOW, "window"),
        lag(("window", 1), offset=-1),
        outputs=("mid",),
    ),
    _price_line(
        "keltner",
        (SOURCE,),
        (window(10, 50, 10),),
        source_kernel(ma.ema, "window"),
        lag(("window", 1), offset=-1),
        outputs=("middle",),
        moving_average_kind=ma.EMA,
    ),
    _price_line(
        "psar",
        (),
        (
            float_param("acceleration", 0.001, 1.0, {"mode": "explicit", "values": [0.01, 0.02, 0.03]}),
            float_param("maximum", 0.01, 1.0, {"mode": "explicit", "values": [0.2]}),
        ),
        bars_kernel(directional.psar, HIGH_LOW, "acceleration", "maximum"),
        lag(offset=1),
        outputs=("sar",),
    ),
    IndicatorDefinition(
        indicator_id="trend.vortex",
        group="trend",
        inputs=(),
        params=(window(7, 28, 7, minimum=1),),
        outputs=("vi_plus",),
        primary_output="vi_plus",
        signal_rule="threshold_centered",
        signal_params=ABS_THRESHOLD,
        compute=bars_kernel(directional.vortex, HLC, "window"),
        lookback=lag(("window", 1)),
    ),
    IndicatorDefinition(
        indicator_id="trend.linreg_slope",
        group="trend",
        inputs=(SOURCE,),
        params=(window(10, 50, 10),),
        outputs=("slope",),
        primary_output="slope",
        signal_rule="sign",
        compute=source_kernel(directional.linreg_slope, "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
    _price_line(
        "chandelier_exit",
        (),
        (window(11, 33, 11, minimum=1), float_param("multiplier", 0.1, 20.0, {"mode": "explicit", "values": [3.0]})),
        bars_kernel(channels.chandelier_exit, HLC, "window", "multiplier"),
        lag(("window", 1)),
        outputs=("long",),
    ),
    _price_line(
        "ichimoku",
        (),
        (named_window("tenkan", 9, 9, 1), named_window("kijun", 26, 26, 1)),
        bars_kernel(channels.ichimoku, HIGH_LOW, "tenkan", "kijun"),
        lambda p: max(int(p["tenkan"]), int(p["kijun"])) - 1,
        outputs=("span_a",),
    ),
)
