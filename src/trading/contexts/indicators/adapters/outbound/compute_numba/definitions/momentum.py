"""Momentum oscillators: rsi, cci, stoch (threshold bands), macd and roc (sign of the value)."""

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
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import momentum
from trading.contexts.indicators.domain.definition import IndicatorDefinition

DEFINITIONS = (
    IndicatorDefinition(
        indicator_id="momentum.rsi",
        group="momentum",
        inputs=(SOURCE,),
        params=(window(7, 28, 7),),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(0.0, 100.0, 30.0, 70.0),
        compute=source_kernel(momentum.rsi, "window"),
        lookback=lag(("window", 1)),
    ),
    IndicatorDefinition(
        indicator_id="momentum.roc",
        group="momentum",
        inputs=(SOURCE,),
        params=(window(5, 50, 5, minimum=1),),
        outputs=("value",),
        primary_output="value",
        signal_rule="sign",
        compute=source_kernel(momentum.roc, "window"),
        lookback=lag(("window", 1)),
    ),
    IndicatorDefinition(
        indicator_id="momentum.macd",
        group="momentum",
        inputs=(SOURCE,),
        params=(named_window("fast", 8, 16, 4), named_window("slow", 20, 32, 6)),
        outputs=("macd", "signal", "hist"),
        primary_output="macd",
        signal_rule="sign",
        compute=source_kernel(momentum.macd, "fast", "slow"),
        lookback=lambda p: max(int(p["fast"]), int(p["slow"])) - 1,
    ),
    IndicatorDefinition(
        indicator_id="momentum.cci",
        group="momentum",
        inputs=(),
        params=(window(10, 40, 10),),
        outputs=("value",),
        primary_output="value",
        signal_rule="threshold_band",
        signal_params=threshold_signals(-1000.0, 1000.0, -100.0, 100.0),
        compute=bars_kernel(momentum.cci, HLC, "window"),
        lookback=lag(("window", 1), offset=-1),
    ),
    IndicatorDefinition(
        indicator_id="momentum.stoch",
        group="momentum",
        inputs=(),
        params=(named_window("k_window", 5, 20, 5, minimum=1), named_window("smooth_k", 3, 3, 1, minimum=1)),
        outputs=("k", "d"),
        primary_output="k",
        signal_rule="threshold_band",
        signal_params=threshold_signals(0.0, 100.0, 20.0, 80.0),
        compute=bars_kernel(momentum.stoch, HLC, "k_window", "smooth_k"),
        lookback=lag(("k_window", 1), ("smooth_k", 1), offset=-2),
    ),
)
