"""Price structure: candle body (candle direction), confirmed pivots (pivot events), zscore,
percent_rank and distance_to_ma_norm (threshold bands)."""

from __future__ import annotations

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions.common import (
    HLC,
    SOURCE,
    bars_kernel,
    lag,
    named_window,
    source_kernel,
    threshold_signals,
    window,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import structure
from trading.contexts.indicators.domain.definition import IndicatorDefinition
from trading.contexts.indicators.domain.param_spec import float_param, int_param

DEFINITIONS = (
    IndicatorDefinition(
        indicator_id="structure.candle_body",
        group="structure",
        inputs=(),
        params=(),
        outputs=("body_to_range",),
        primary_output="body_to_range",
        signal_rule="candle_direction",
        signal_params=(float_param("min_body", 0.0, 0.99, {"mode": "explicit", "values": [0.0]}),),
        compute=bars_kernel(structure.candle_body, ("open", *HLC)),
        lookback=lag(),
    ),
    IndicatorDefinition(
        indicator_id="structure.pivots",
        group="structure",
        inputs=(),
        params=(named_window("left", 2, 5, 1, minimum=1), named_window("right", 2, 5, 1, minimum=1)),
        outputs=("event",),
        primary_output="event",
        signal_rule="pivot_event",
        signal_params=(int_param("hold", 1, 1000, {"mode": "explicit", "values": [10]}),),
        compute=bars_kernel(structure.pivots, ("high", "low"), "left", "right"),
        lookback=lag(("left", 1), ("right", 1)),
    ),
    IndicatorDefinition(
        indicator_id="structure.zscore",
        group="structure",
        inputs=(SOURCE,),
        params=(window(10, 50, 10),),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(-10.0, 10.0, -2.0, 2.0),
        compute=source_kernel(structure.zscore, "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="structure.percent_rank",
        group="structure",
        inputs=(SOURCE,),
        params=(window(10, 50, 10, minimum=1),),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(0.0, 100.0, 10.0, 90.0),
        compute=source_kernel(structure.percent_rank, "window"),
        lookback=lag(("window", 1)),
    ),
    IndicatorDefinition(
        indicator_id="structure.distance_to_ma_norm",
        group="structure",
        inputs=(),
        params=(window(10, 50, 10),),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(-20.0, 20.0, -2.0, 2.0),
        compute=bars_kernel(structure.distance_to_ma_norm, HLC, "window"),
        lookback=lag(("window", 1)),
    ),
)
