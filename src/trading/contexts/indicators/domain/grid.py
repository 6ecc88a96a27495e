"""One indicator's checked grid: its compute axes, its signal axes, and the variants they enumerate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from trading.contexts.indicators.domain.cartesian import product_columns, product_dicts, product_size
from trading.contexts.indicators.domain.definition import IndicatorDefinition
from trading.contexts.indicators.domain.grid_axis import GridAxis
from trading.contexts.indicators.domain.param_spec import ParamValue


@dataclass(frozen=True)
class IndicatorVariant:
    """One point of an indicator grid; the same shape as the API's indicator selection."""

    indicator_id: str
    inputs: dict[str, ParamValue]
    params: dict[str, ParamValue]

    def as_payload(self) -> dict[str, Any]:
        return {"indicator_id": self.indicator_id, "inputs": dict(self.inputs), "params": dict(self.params)}


@dataclass(frozen=True)
class IndicatorGrid:
    """`axes` follow `definition.axes` (source first, then params); `signal_axes` follow
    `definition.signal_params`. Enumeration is the cartesian product with the last axis fastest."""

    definition: IndicatorDefinition
    axes: tuple[GridAxis, ...]
    signal_axes: tuple[GridAxis, ...]

    @property
    def indicator_id(self) -> str:
        return self.definition.indicator_id

    @property
    def n_variants(self) -> int:
        return product_size(self.axes)

    @property
    def n_signal_variants(self) -> int:
        return product_size(self.signal_axes)

    def variants(self) -> list[IndicatorVariant]:
        input_names = {spec.name for spec in self.definition.inputs}
        return [
            IndicatorVariant(
                self.indicator_id,
                {k: v for k, v in combo.items() if k in input_names},
                {k: v for k, v in combo.items() if k not in input_names},
            )
            for combo in product_dicts(self.axes)
        ]

    def columns(self) -> dict[str, np.ndarray]:
        return product_columns(self.axes)

    def signal_param_dicts(self) -> list[dict[str, ParamValue]]:
        return product_dicts(self.signal_axes)

    def signal_columns(self) -> dict[str, np.ndarray]:
        return product_columns(self.signal_axes)

    def lookback(self) -> int:
        """Leading NaN bars of the slowest variant, i.e. the warmup this grid needs."""
        extremes: dict[str, ParamValue] = {}
        for axis in self.axes:
            numeric = [v for v in axis.values if not isinstance(v, str)]
            extremes[axis.name] = max(numeric) if numeric else axis.values[0]
        return self.definition.lookback(extremes)
