"""Axis specs and compute adapters shared by the indicator definitions of every group."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from trading.contexts.indicators.domain.definition import ComputeFn, KernelInputs
from trading.contexts.indicators.domain.param_spec import ParamSpec, ParamValue, float_param, int_param
from trading.contexts.indicators.domain.price_sources import SOURCES

MAX_WINDOW = 5000
MAX_LAG = 1000

SOURCE = ParamSpec("source", "choice", {"mode": "explicit", "values": ["close"]}, choices=SOURCES)
DELTA_SIGNALS = (
    int_param("n_long", 1, MAX_LAG, {"mode": "explicit", "values": [1]}),
    int_param("n_short", 1, MAX_LAG, {"mode": "explicit", "values": [1]}),
)


def window(default_start: int = 5, default_stop: int = 50, default_step: int = 5, minimum: int = 2) -> ParamSpec:
    return named_window("window", default_start, default_stop, default_step, minimum)


def named_window(name: str, start: int, stop: int, step: int, minimum: int = 2) -> ParamSpec:
    return int_param(name, minimum, MAX_WINDOW, {"mode": "range", "start": start, "stop_incl": stop, "step": step})


def threshold_signals(low: float, high: float, long_default: float, short_default: float) -> tuple[ParamSpec, ...]:
    """Thresholds of a `threshold_band` rule; the defaults give the mean-reversion reading."""
    return (
        float_param("long_threshold", low, high, {"mode": "explicit", "values": [long_default]}),
        float_param("short_threshold", low, high, {"mode": "explicit", "values": [short_default]}),
    )


def source_kernel(kernel: Callable[..., np.ndarray], *params: str) -> ComputeFn:
    """Adapter for kernels called as `kernel(src_rows, src_idx, *param columns)`."""

    def compute(inputs: KernelInputs) -> np.ndarray:
        return kernel(inputs.src_rows, inputs.src_idx, *(inputs.column(name) for name in params))

    return compute


def bars_kernel(kernel: Callable[..., np.ndarray], bar_fields: tuple[str, ...], *params: str) -> ComputeFn:
    """Adapter for kernels called as `kernel(*bar arrays, *param columns)`, e.g. (high, low, close)."""

    def compute(inputs: KernelInputs) -> np.ndarray:
        arrays = (getattr(inputs.bars, field) for field in bar_fields)
        return kernel(*arrays, *(inputs.column(name) for name in params))

    return compute


HLC = ("high", "low", "close")


def lag(*terms: tuple[str, int], offset: int = 0) -> Callable[[Mapping[str, ParamValue]], int]:
    """Lookback as `offset + sum(coefficient * param)` over (param, coefficient) terms."""

    def lookback(params: Mapping[str, Any]) -> int:
        return offset + sum(coefficient * int(params[name]) for name, coefficient in terms)

    return lookback
