"""What one grid axis may hold: its kind, hard bounds and the grid used when nobody asks for one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ParamKind = Literal["int", "float", "choice"]
ParamValue = int | float | str


@dataclass(frozen=True)
class ParamSpec:
    """`default_axis` is the fallback grid when neither the request nor indicators.yaml names one."""

    name: str
    kind: ParamKind
    default_axis: Any
    min_value: float | None = None
    max_value: float | None = None
    choices: tuple[str, ...] = field(default=())

    def bounds_text(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        return f"[{self.min_value}, {self.max_value}]"

    def as_listing(self) -> dict[str, Any]:
        listing: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "choice":
            listing["choices"] = list(self.choices)
        else:
            listing["min"] = self.min_value
            listing["max"] = self.max_value
        return listing


def int_param(name: str, min_value: int, max_value: int, default_axis: Any) -> ParamSpec:
    return ParamSpec(name, "int", default_axis, min_value, max_value)


def float_param(name: str, min_value: float, max_value: float, default_axis: Any) -> ParamSpec:
    return ParamSpec(name, "float", default_axis, min_value, max_value)
