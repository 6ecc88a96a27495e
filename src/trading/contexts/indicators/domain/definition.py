"""An indicator as the rest of the system sees it: axes, outputs, signal rule and how to compute it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from trading.contexts.indicators.domain.param_spec import ParamSpec, ParamValue
from trading.contexts.indicators.domain.price_sources import OhlcvArrays

SignalRuleName = Literal[
    "compare_price_to_output",
    "threshold_band",
    "sign",
    "delta_sign",
    "threshold_centered",
    "compare_volume_to_output",
    "pivot_event",
    "candle_direction",
]
SIGNAL_RULES: tuple[SignalRuleName, ...] = get_args(SignalRuleName)


@dataclass(frozen=True)
class KernelInputs:
    """Everything a batched kernel may read; `params` holds one array of length v per param axis."""

    bars: OhlcvArrays
    src_rows: np.ndarray
    src_idx: np.ndarray
    params: Mapping[str, np.ndarray]

    def column(self, name: str) -> np.ndarray:
        """int64 for int params, float64 for float params (the axis values decide)."""
        return np.ascontiguousarray(self.params[name])


ComputeFn = Callable[[KernelInputs], np.ndarray]
LookbackFn = Callable[[Mapping[str, ParamValue]], int]


@dataclass(frozen=True)
class IndicatorDefinition:
    """`inputs` holds only the `source` choice (for source-parameterised indicators); `params` are in
    axis order. `lookback(params)` is how many leading bars are NaN, which sizes the warmup.
    `moving_average_kind`, set when the primary is a moving average of the source over `window` (the
    only other axis), is its kind in the kernels' `moving_average_into`: one variant's primary can then
    be computed alone, so a price comparison needs no [v, n] tensor."""

    indicator_id: str
    group: str
    inputs: tuple[ParamSpec, ...]
    params: tuple[ParamSpec, ...]
    outputs: tuple[str, ...]
    primary_output: str
    signal_rule: SignalRuleName
    compute: ComputeFn
    lookback: LookbackFn
    signal_params: tuple[ParamSpec, ...] = field(default=())
    moving_average_kind: int | None = None

    def __post_init__(self) -> None:
        if self.primary_output not in self.outputs:
            raise ValueError(f"{self.indicator_id}: primary output {self.primary_output!r} not in outputs")
        names = [spec.name for spec in (*self.inputs, *self.params, *self.signal_params)]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.indicator_id}: axis names repeat: {names}")

    @property
    def axes(self) -> tuple[ParamSpec, ...]:
        """Compute axes in enumeration order: the source input first, then params."""
        return (*self.inputs, *self.params)

    @property
    def has_source(self) -> bool:
        return bool(self.inputs)
