"""Default grids per indicator (from indicators.yaml): raw axis specs by section and axis name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

AxisSection = Literal["inputs", "params", "signals"]
AXIS_SECTIONS: tuple[AxisSection, ...] = ("inputs", "params", "signals")


@dataclass(frozen=True)
class IndicatorDefaults:
    """`grids[indicator_id][section][axis_name]` = raw axis spec; absent entries fall back to the
    definition's own `default_axis`."""

    grids: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)

    def axis(self, indicator_id: str, section: AxisSection, name: str) -> Any | None:
        return self.grids.get(indicator_id, {}).get(section, {}).get(name)
