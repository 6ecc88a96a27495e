"""Requested indicator grids -> checked `IndicatorGrid`s; every problem reported at once, by path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trading.contexts.indicators.application.dto.indicator_defaults import (
    AXIS_SECTIONS,
    AxisSection,
    IndicatorDefaults,
)
from trading.contexts.indicators.domain.definition import IndicatorDefinition
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.contexts.indicators.domain.grid_axis import GridAxis, InvalidAxis, parse_axis
from trading.contexts.indicators.domain.param_spec import ParamSpec
from trading.contexts.indicators.domain.registry import IndicatorRegistry
from trading.shared.errors import DomainError, ErrorDetail


def build_indicator_grids(
    requests: Sequence[Any], registry: IndicatorRegistry, defaults: IndicatorDefaults
) -> list[IndicatorGrid]:
    """`requests` items are mappings or pydantic models with `indicator_id`, `inputs`, `params`,
    `signals`; omitted axes take their default grid. Raises `validation_error` listing every issue."""
    grids: list[IndicatorGrid] = []
    details: list[ErrorDetail] = []
    for position, request in enumerate(requests):
        grid, problems = _grid_or_problems(_as_mapping(request), registry, defaults, f"indicators[{position}]")
        details += problems
        if grid is not None:
            grids.append(grid)
    if details:
        raise DomainError("validation_error", "invalid indicator grid", details=details)
    return grids


def build_indicator_grid(
    request: Any, registry: IndicatorRegistry, defaults: IndicatorDefaults, path: str
) -> IndicatorGrid:
    grid, problems = _grid_or_problems(_as_mapping(request), registry, defaults, path)
    if grid is None or problems:
        raise DomainError("validation_error", "invalid indicator grid", details=problems)
    return grid


def _grid_or_problems(
    request: Mapping[str, Any], registry: IndicatorRegistry, defaults: IndicatorDefaults, path: str
) -> tuple[IndicatorGrid | None, list[ErrorDetail]]:
    indicator_id = request.get("indicator_id")
    definition = registry.get(indicator_id) if isinstance(indicator_id, str) else None
    if definition is None:
        message = f"unknown indicator {indicator_id!r}; known: {', '.join(registry.ids())}"
        return None, [ErrorDetail(f"{path}.indicator_id", "unknown_indicator", message)]
    problems: list[ErrorDetail] = []
    for section in AXIS_SECTIONS:
        known = {spec.name for spec in _section_specs(definition, section)}
        for name in sorted(set(request.get(section) or {}) - known):
            message = f"{definition.indicator_id} has no {section} axis {name!r}; known: {sorted(known)}"
            problems.append(ErrorDetail(f"{path}.{section}.{name}", "unknown_param", message))
    sections: dict[AxisSection, list[GridAxis]] = {section: [] for section in AXIS_SECTIONS}
    for section in AXIS_SECTIONS:
        requested = request.get(section) or {}
        for spec in _section_specs(definition, section):
            raw = requested.get(spec.name)
            if raw is None:
                raw = defaults.axis(definition.indicator_id, section, spec.name)
            try:
                sections[section].append(parse_axis(spec.default_axis if raw is None else raw, spec))
            except InvalidAxis as exc:
                problems.append(ErrorDetail(f"{path}.{section}.{spec.name}", exc.code, exc.message))
    if problems:
        return None, problems
    compute_axes = (*sections["inputs"], *sections["params"])
    return IndicatorGrid(definition, compute_axes, tuple(sections["signals"])), []


def _section_specs(definition: IndicatorDefinition, section: AxisSection) -> tuple[ParamSpec, ...]:
    if section == "inputs":
        return definition.inputs
    if section == "params":
        return definition.params
    return definition.signal_params


def _as_mapping(request: Any) -> Mapping[str, Any]:
    if hasattr(request, "model_dump"):
        return request.model_dump()
    if isinstance(request, Mapping):
        return request
    raise TypeError(f"indicator request must be a mapping or a pydantic model, got {type(request).__name__}")
