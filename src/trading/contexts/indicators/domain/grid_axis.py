"""Grid axis specs (`explicit` value lists and inclusive `range`s) turned into checked value tuples."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trading.contexts.indicators.domain.param_spec import ParamSpec, ParamValue

MAX_AXIS_VALUES = 100_000
# Below this a float estimate of the count is exact enough to hand to Decimal (28 digits) safely.
_EXACT_COUNT_LIMIT = 1e15


class InvalidAxis(ValueError):
    """One axis spec is wrong; `code` is the stable error code used in validation details."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class GridAxis:
    name: str
    values: tuple[ParamValue, ...]

    def __len__(self) -> int:
        return len(self.values)


def parse_axis(raw: Any, spec: ParamSpec) -> GridAxis:
    """A bare scalar is shorthand for a one-value explicit axis (the explicit-variant payload uses it)."""
    if hasattr(raw, "model_dump"):
        raw = raw.model_dump()
    if not isinstance(raw, Mapping):
        return GridAxis(spec.name, (_checked_value(raw, spec),))
    mode = raw.get("mode")
    if mode == "explicit":
        return GridAxis(spec.name, _explicit_values(raw, spec))
    if mode == "range":
        return GridAxis(spec.name, _range_values(raw, spec))
    raise InvalidAxis("invalid_axis", f"axis mode must be 'explicit' or 'range', got {mode!r}")


def _explicit_values(raw: Mapping[str, Any], spec: ParamSpec) -> tuple[ParamValue, ...]:
    _require_keys(raw, {"mode", "values"})
    values = raw["values"]
    if not isinstance(values, list | tuple) or not values:
        raise InvalidAxis("invalid_axis", "explicit axis needs a non-empty 'values' list")
    if len(values) > MAX_AXIS_VALUES:
        raise InvalidAxis("too_many_values", f"axis has {len(values)} values, at most {MAX_AXIS_VALUES}")
    checked = tuple(_checked_value(v, spec) for v in values)
    if len(set(checked)) != len(checked):
        duplicates = sorted(str(v) for v, n in Counter(checked).items() if n > 1)  # linear, not list.count
        shown = ", ".join(duplicates[:10]) + (f" and {len(duplicates) - 10} more" if len(duplicates) > 10 else "")
        raise InvalidAxis("duplicate_values", f"explicit axis repeats values: {shown}")
    return checked


def _range_values(raw: Mapping[str, Any], spec: ParamSpec) -> tuple[ParamValue, ...]:
    """Exact decimal steps, so 0.5..4.0 step 0.01 is exactly 351 values; counted before any is made."""
    _require_keys(raw, {"mode", "start", "stop_incl", "step"})
    if spec.kind == "choice":
        raise InvalidAxis("invalid_axis", f"'{spec.name}' takes an explicit list of {spec.bounds_text()}")
    start, stop, step = (_checked_number(raw[key], spec) for key in ("start", "stop_incl", "step"))
    for bound in (start, stop):
        _check_bounds(float(bound), spec)
    decimals = decimal_range(start, stop, step)
    if spec.kind == "int":
        return tuple(int(d) for d in decimals)
    return tuple(float(d) for d in decimals)


def range_count(start: float, stop: float, step: float) -> int:
    """Values of `start..stop_incl` by `step`, found arithmetically; InvalidAxis past MAX_AXIS_VALUES.

    A float estimate comes first, so 1e300 / 1e-300 is refused without the exact Decimal division
    (which would need 600 digits and raise), and nothing is materialised before the count is known."""
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise InvalidAxis("invalid_type", "range start, stop_incl and step must be finite numbers")
    if step <= 0:
        raise InvalidAxis("invalid_axis", f"range step must be > 0, got {step}")
    if stop < start:
        raise InvalidAxis("invalid_axis", f"range stop_incl {stop} is below start {start}")
    estimate = (stop - start) / step  # may overflow to inf: then it is simply too many
    if not estimate < _EXACT_COUNT_LIMIT:
        raise InvalidAxis("too_many_values", f"range has about {estimate:.3g} values, at most {MAX_AXIS_VALUES}")
    count = int((_exact(stop) - _exact(start)) // _exact(step)) + 1
    if count > MAX_AXIS_VALUES:
        raise InvalidAxis("too_many_values", f"range has {count} values, at most {MAX_AXIS_VALUES}")
    return count


def decimal_range(start: float, stop: float, step: float) -> Iterator[Decimal]:
    """The values of a checked range as exact decimals (`start + step * i`, no float accumulation)."""
    count = range_count(start, stop, step)
    first, increment = _exact(start), _exact(step)
    return (first + increment * i for i in range(count))


def _exact(number: float) -> Decimal:
    return Decimal(str(number))


def _require_keys(raw: Mapping[str, Any], allowed: set[str]) -> None:
    missing = allowed - set(raw)
    unknown = set(raw) - allowed
    if missing or unknown:
        problems = [f"missing {sorted(missing)}"] if missing else []
        problems += [f"unknown {sorted(unknown)}"] if unknown else []
        raise InvalidAxis("invalid_axis", f"{raw.get('mode')} axis keys: " + "; ".join(problems))


def _checked_value(value: Any, spec: ParamSpec) -> ParamValue:
    if spec.kind == "choice":
        if value not in spec.choices:
            raise InvalidAxis("out_of_bounds", f"{_short(value)} is not {spec.bounds_text()}")
        return str(value)
    number = _checked_number(value, spec)
    _check_bounds(number, spec)
    return number


def _checked_number(value: Any, spec: ParamSpec) -> int | float:
    """Int params take whole numbers only; a JSON layer may widen 5 to 5.0, which stays accepted."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidAxis("invalid_type", f"'{spec.name}' needs a finite number, got {_short(value)}")
    if spec.kind == "float":
        return float(value)
    if isinstance(value, float) and not value.is_integer():
        raise InvalidAxis("invalid_type", f"'{spec.name}' is an integer parameter, got {value!r}")
    if abs(value) > 2**63 - 1:
        raise InvalidAxis("out_of_bounds", f"'{spec.name}' value {value:.3g} is outside {spec.bounds_text()}")
    return int(value)


def _check_bounds(number: float, spec: ParamSpec) -> None:
    low, high = spec.min_value, spec.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidAxis("out_of_bounds", f"'{spec.name}' value {number} is outside {spec.bounds_text()}")


def _short(value: Any) -> str:
    """Echo at most a few dozen characters of a user's value in a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
