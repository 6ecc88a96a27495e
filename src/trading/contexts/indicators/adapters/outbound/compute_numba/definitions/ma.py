"""Moving averages: price vs average (`compare_price_to_output`), params `source` and `window`;
vwma also reads the bar volume."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from trading.contexts.indicators.adapters.outbound.compute_numba.definitions.common import (
    SOURCE,
    lag,
    source_kernel,
    window,
)
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import ma
from trading.contexts.indicators.domain.definition import ComputeFn, IndicatorDefinition, KernelInputs, LookbackFn
from trading.contexts.indicators.domain.param_spec import ParamValue


def _hma_lookback(params: Mapping[str, ParamValue]) -> int:
    length = int(params["window"])
    return length - 1 + max(int(math.sqrt(length)), 1) - 1


def _zlema_lookback(params: Mapping[str, ParamValue]) -> int:
    length = int(params["window"])
    return length - 1 + (length - 1) // 2


def _volume_weighted(kernel: Callable[..., np.ndarray]) -> ComputeFn:
    """Adapter for `kernel(src_rows, src_idx, volume, window)`: a source-parameterised kernel that
    also reads the bar volume."""

    def compute(inputs: KernelInputs) -> np.ndarray:
        return kernel(inputs.src_rows, inputs.src_idx, inputs.bars.volume, inputs.column("window"))

    return compute


def _moving_average(
    name: str, kernel: Callable[..., np.ndarray], lookback: LookbackFn, kind: int | None
) -> IndicatorDefinition:
    """`kind` None: vwma, which also reads the bar volume."""
    return IndicatorDefinition(
        indicator_id=f"ma.{name}",
        group="ma",
        inputs=(SOURCE,),
        params=(window(5, 200, 5),),
        outputs=("value",),
        primary_output="value",
        signal_rule="compare_price_to_output",
        compute=_volume_weighted(kernel) if kind is None else source_kernel(kernel, "window"),
        lookback=lookback,
        moving_average_kind=kind,
    )


DEFINITIONS = (
    _moving_average("sma", ma.sma, lag(("window", 1), offset=-1), ma.SMA),
    _moving_average("ema", ma.ema, lag(("window", 1), offset=-1), ma.EMA),
    _moving_average("wma", ma.wma, lag(("window", 1), offset=-1), ma.WMA),
    _moving_average("rma", ma.rma, lag(("window", 1), offset=-1), ma.RMA),
    _moving_average("dema", ma.dema, lag(("window", 2), offset=-2), ma.DEMA),
    _moving_average("tema", ma.tema, lag(("window", 3), offset=-3), ma.TEMA),
    _moving_average("hma", ma.hma, _hma_lookback, ma.HMA),
    _moving_average("zlema", ma.zlema, _zlema_lookback, ma.ZLEMA),
    _moving_average("vwma", ma.vwma, lag(("window", 1), offset=-1), None),
)
