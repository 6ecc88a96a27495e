"""A request's indicator instances and the signal units Stage A multiplies (engine doc, "Instances,
cross rules and param constraints").

An instance is one entry of `indicators`, named by its `alias` (or its indicator id when it has none).
Every instance that no rule names is a plain unit: its own signal rule, rows = variants x signal params.
Two instances a `cross` rule names form one cross unit: rows = their kept variant pairs. Units come in
a fixed order whatever the request order: plain units by (indicator id, alias), then cross units by
(first, second). Every reference is checked here, each problem at its request path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from trading.contexts.backtest.application.dto.run_backtest import IndicatorGridRequest, RunBacktestRequest
from trading.contexts.backtest.application.dto.strategy_rules import CrossRule, ParamConstraint
from trading.contexts.backtest.application.services.param_constraints import PairConstraint, count_kept_pairs
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.contexts.indicators.domain.registry import IndicatorRegistry
from trading.shared.errors import DomainError, ErrorDetail

# Constrained pairs are compared in bounded blocks, but every unpruned pair is compared once.
MAX_CONSTRAINED_PAIRS = 10**9
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Instance:
    name: str
    alias: str | None
    grid: IndicatorGrid

    @property
    def order(self) -> tuple[str, str]:
        return (self.grid.indicator_id, self.alias or "")


@dataclass(frozen=True)
class PlainUnit:
    instance: Instance

    @property
    def size(self) -> int:
        return self.instance.grid.n_variants * self.instance.grid.n_signal_variants


@dataclass(frozen=True)
class CrossUnit:
    """LONG while `first` is above `second` (the rule's sides); rows are the kept variant pairs."""

    first: Instance
    second: Instance
    constraints: tuple[PairConstraint, ...]
    constraint_texts: tuple[str, ...]
    size: int

    @property
    def total(self) -> int:
        return self.first.grid.n_variants * self.second.grid.n_variants

    @property
    def rule(self) -> CrossRule:
        return CrossRule(type="cross", first=self.first.name, second=self.second.name)

    def summary(self) -> str:
        return f"{self.size:,} of {self.total:,} {self.first.name}/{self.second.name} pairs kept"


SignalUnit = PlainUnit | CrossUnit


@dataclass(frozen=True)
class InstancePlan:
    instances: tuple[Instance, ...]
    units: tuple[SignalUnit, ...]

    @property
    def grids(self) -> list[IndicatorGrid]:
        return [instance.grid for instance in self.instances]

    @property
    def stage_a(self) -> int:
        return math.prod(unit.size for unit in self.units)

    @property
    def rules(self) -> list[CrossRule]:
        return [unit.rule for unit in self.units if isinstance(unit, CrossUnit)]

    @property
    def cross_units(self) -> list[CrossUnit]:
        return [unit for unit in self.units if isinstance(unit, CrossUnit)]


def plan_instances(
    request: RunBacktestRequest, registry: IndicatorRegistry, defaults: IndicatorDefaults
) -> InstancePlan:
    """Validation errors (all of them, by path) raise `validation_error`."""
    indicators = request.indicators
    details = _name_problems(indicators)
    names = {ind.entry_name: i for i, ind in enumerate(indicators)}
    crossed = _rule_problems(request.rules, names, details)
    for name, position in names.items():
        if name in crossed and indicators[position].signals:
            message = f"{name} is a side of a cross rule, which decides its signal; it takes no signal params"
            details.append(ErrorDetail(f"indicators[{position}].signals", "not_used", message))
    grids = _grids(indicators, registry, defaults, details)
    if details:
        raise DomainError("validation_error", "invalid indicator instances", details=details)
    instances = {
        ind.entry_name: Instance(
            ind.entry_name, ind.alias, replace(grid, signal_axes=()) if ind.entry_name in crossed else grid
        )
        for ind, grid in zip(indicators, grids, strict=True)
    }
    constraints = _oriented_constraints(request, instances, details)
    if details:
        raise DomainError("validation_error", "invalid param constraints", details=details)
    plain = sorted((i for i in instances.values() if i.name not in crossed), key=lambda i: i.order)
    cross = [
        _cross_unit(instances[rule.first], instances[rule.second], constraints.get(rule.first, []))
        for rule in sorted(request.rules, key=lambda r: (r.first, r.second))
    ]
    ordered = sorted(instances.values(), key=lambda i: i.order)
    return InstancePlan(tuple(ordered), (*(PlainUnit(i) for i in plain), *cross))


def _name_problems(indicators: Sequence[IndicatorGridRequest]) -> list[ErrorDetail]:
    details: list[ErrorDetail] = []
    seen: set[str] = set()
    for position, ind in enumerate(indicators):
        name = ind.entry_name
        if name in seen and ind.alias is not None:
            details.append(ErrorDetail(f"indicators[{position}].alias", "duplicate_alias", f"alias {name!r} repeats"))
        elif name in seen:
            message = f"{name} appears more than once; name each of its instances with an alias"
            details.append(ErrorDetail(f"indicators[{position}].alias", "missing_alias", message))
        seen.add(name)
    return details


def _rule_problems(rules: Sequence[CrossRule], names: dict[str, int], details: list[ErrorDetail]) -> set[str]:
    """Names of the crossed instances; problems appended to `details`."""
    known = ", ".join(sorted(n for n in names if "." not in n)) or "none"
    crossed: set[str] = set()
    for r, rule in enumerate(rules):
        for side in ("first", "second"):
            name = getattr(rule, side)
            if name not in names:
                message = f"no indicator instance has the alias {name!r}; aliases: {known}"
                details.append(ErrorDetail(f"rules[{r}].{side}", "unknown_alias", message))
        if rule.first == rule.second:
            message = f"a cross rule needs two different instances, not {rule.first!r} twice"
            details.append(ErrorDetail(f"rules[{r}].second", "self_cross", message))
            continue
        for side in ("first", "second"):
            name = getattr(rule, side)
            if name in crossed:
                message = f"{name!r} is already a side of another cross rule"
                details.append(ErrorDetail(f"rules[{r}].{side}", "instance_reused", message))
            crossed.add(name)
    return crossed


def _grids(
    indicators: Sequence[IndicatorGridRequest],
    registry: IndicatorRegistry,
    defaults: IndicatorDefaults,
    details: list[ErrorDetail],
) -> list[IndicatorGrid]:
    try:
        return build_indicator_grids(indicators, registry, defaults)
    except DomainError as exc:
        details.extend(exc.details)
        return []


def _oriented_constraints(
    request: RunBacktestRequest, instances: dict[str, Instance], details: list[ErrorDetail]
) -> dict[str, list[tuple[PairConstraint, str]]]:
    """Constraints by the first side of their cross rule, each turned to read first-op-second."""
    rule_of = {rule.first: rule for rule in request.rules} | {rule.second: rule for rule in request.rules}
    out: dict[str, list[tuple[PairConstraint, str]]] = {}
    for c, constraint in enumerate(request.param_constraints):
        sides = [_param_side(constraint, c, side, instances, details) for side in ("left", "right")]
        if None in sides:
            continue
        (left, left_param), (right, right_param) = sides  # type: ignore[misc]
        rule = rule_of.get(left)
        if rule is None or left == right or {rule.first, rule.second} != {left, right}:
            message = f"{constraint.text()} must relate the two sides of one cross rule"
            details.append(ErrorDetail(f"param_constraints[{c}]", "not_crossed", message))
            continue
        oriented = (
            PairConstraint(left_param, constraint.op, right_param)
            if left == rule.first
            else PairConstraint(right_param, FLIPPED[constraint.op], left_param)
        )
        out.setdefault(rule.first, []).append((oriented, constraint.text()))
    return out


def _param_side(
    constraint: ParamConstraint, c: int, side: str, instances: dict[str, Instance], details: list[ErrorDetail]
) -> tuple[str, str] | None:
    alias, param = getattr(constraint, side).split(".")
    path = f"param_constraints[{c}].{side}"
    instance = instances.get(alias)
    if instance is None:
        known = ", ".join(sorted(n for n in instances if "." not in n)) or "none"
        message = f"no indicator instance has the alias {alias!r}; aliases: {known}"
        details.append(ErrorDetail(path, "unknown_alias", message))
        return None
    definition = instance.grid.definition
    spec = next((s for s in definition.axes if s.name == param), None)
    if spec is None:
        known = ", ".join(s.name for s in definition.axes)
        message = f"{definition.indicator_id} has no param {param!r}; params: {known}"
        details.append(ErrorDetail(path, "unknown_param", message))
        return None
    if spec.kind not in ("int", "float"):
        message = f"{alias}.{param} is a {spec.kind} param; only numeric params compare"
        details.append(ErrorDetail(path, "not_numeric", message))
        return None
    return alias, param


def _cross_unit(first: Instance, second: Instance, constraints: list[tuple[PairConstraint, str]]) -> CrossUnit:
    oriented = tuple(c for c, _ in constraints)
    if oriented and first.grid.n_variants * second.grid.n_variants > MAX_CONSTRAINED_PAIRS:
        message = (
            f"{first.name} x {second.name} spans {first.grid.n_variants * second.grid.n_variants:,} pairs "
            f"before its constraints; at most {MAX_CONSTRAINED_PAIRS:,} can be checked"
        )
        raise DomainError(
            "validation_error",
            "too many pairs to constrain",
            details=[ErrorDetail("param_constraints", "too_many_variants", message)],
        )
    kept = count_kept_pairs(first.grid, second.grid, oriented)
    if kept == 0:
        message = f"the constraints keep none of the {first.name} x {second.name} pairs"
        raise DomainError(
            "validation_error",
            "no pair meets the param constraints",
            details=[ErrorDetail("param_constraints", "empty_grid", message)],
        )
    return CrossUnit(first, second, oriented, tuple(text for _, text in constraints), kept)
