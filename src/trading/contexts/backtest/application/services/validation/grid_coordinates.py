"""Where a variant sits in its search's grid: the value index on every axis.

A search enumerates its variants as one mixed-radix number: per signal unit (plain units in id order:
compute axes then signal axes; then cross units: the first instance's compute axes, then the second's),
then `sl_pct`, then `tp_pct`, the last axis fastest. The holes are a signal combination the signal rule
skips (a threshold band with long == short) and a cross pair a param constraint prunes: neither has a
bank row. This
module converts both ways between (base id, risk index) and per-axis value indices, so neighbours and
heatmap cells are found by index arithmetic on the prepared search, never by rebuilding requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import (
    IndicatorGridRequest,
    RiskGridRequest,
    VariantPayload,
)
from trading.contexts.backtest.application.services.grid_builder_v1 import risk_axis_values
from trading.contexts.backtest.application.services.indicator_catalog import default_indicator_catalog
from trading.contexts.backtest.application.services.search_identities import BankIdentity, CrossIdentity
from trading.contexts.backtest.application.services.signal_units import CrossUnit, PlainUnit, SignalUnit
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.contexts.indicators.domain.param_spec import ParamValue
from trading.shared.errors import DomainError, ErrorDetail

AxisValue = ParamValue | None
RISK_AXES = ("sl_pct", "tp_pct")


def axis_name(owner: str, section: str, name: str) -> str:
    """`ma.sma.window` (or `fast.window` for an aliased instance) for inputs and params,
    `momentum.rsi.signals.long_threshold` for signal params."""
    return f"{owner}.signals.{name}" if section == "signals" else f"{owner}.{name}"


@dataclass(frozen=True)
class SearchAxis:
    """One axis of the grid: `owner` is the indicator id (or `risk`), `section` inputs/params/signals/risk."""

    name: str
    owner: str
    section: str
    param: str
    values: tuple[AxisValue, ...]
    _position: dict[AxisValue, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._position.update({value: i for i, value in enumerate(self.values)})

    def index_of(self, value: AxisValue) -> int | None:
        return self._position.get(value)

    def step_order(self) -> np.ndarray:
        """Value indices in ascending value order; text values and 'disabled' (None) have no steps."""
        numeric = {i: float(v) for i, v in enumerate(self.values) if isinstance(v, int | float)}
        return np.array(sorted(numeric, key=numeric.__getitem__), dtype=np.int64)


def _decompose(codes: np.ndarray, radices: Sequence[int]) -> np.ndarray:
    digits = np.empty((codes.shape[0], len(radices)), dtype=np.int64)
    rest = codes.astype(np.int64, copy=True)
    for column in range(len(radices) - 1, -1, -1):
        digits[:, column] = rest % radices[column]
        rest //= radices[column]
    return digits


def _compose(digits: np.ndarray, radices: Sequence[int]) -> np.ndarray:
    codes = np.zeros(digits.shape[0], dtype=np.int64)
    for column, radix in enumerate(radices):
        codes = codes * radix + digits[:, column]
    return codes


@dataclass(frozen=True)
class _BankLayout:
    """One bank's axes inside the global list and its row <-> full-product code tables. `row_to_code`
    increases with the row, so a code finds its row by binary search (-1 where no row has it)."""

    first_axis: int
    radices: tuple[int, ...]
    row_to_code: np.ndarray

    def rows_of(self, codes: np.ndarray) -> np.ndarray:
        positions = np.minimum(np.searchsorted(self.row_to_code, codes), self.row_to_code.shape[0] - 1)
        return np.where(self.row_to_code[positions] == codes, positions, -1)


def _bank_layout(
    grid: IndicatorGrid, signal_params: Sequence[dict[str, ParamValue]], first_axis: int, axes: list[SearchAxis]
) -> _BankLayout:
    start = first_axis + len(grid.axes)
    signal_axes = axes[start : start + len(grid.signal_axes)]
    signal_radices = [len(axis.values) for axis in grid.signal_axes]
    valid_codes = _compose(
        np.array([[a.index_of(p[a.param]) for a in signal_axes] for p in signal_params], dtype=np.int64).reshape(
            len(signal_params), len(signal_axes)
        ),
        signal_radices,
    )
    n_signal_full = int(np.prod(signal_radices)) if signal_radices else 1
    compute = np.arange(grid.n_variants, dtype=np.int64)
    row_to_code = (compute[:, None] * n_signal_full + valid_codes[None, :]).ravel()
    radices = tuple(len(axis.values) for axis in (*grid.axes, *grid.signal_axes))
    return _BankLayout(first_axis, radices, row_to_code)


def _cross_layout(unit: CrossUnit, bank: CrossIdentity, first_axis: int) -> _BankLayout:
    """Kept pairs are first major, second minor: code = first variant * n_second + second variant."""
    row_to_code = bank.first_idx * unit.second.grid.n_variants + bank.second_idx
    radices = tuple(len(axis.values) for axis in (*unit.first.grid.axes, *unit.second.grid.axes))
    return _BankLayout(first_axis, radices, row_to_code)


def _instance_axes(owner: str, grid: IndicatorGrid) -> list[SearchAxis]:
    inputs = {spec.name for spec in grid.definition.inputs}
    sections = [("inputs" if a.name in inputs else "params", a) for a in grid.axes]
    return [
        SearchAxis(axis_name(owner, section, axis.name), owner, section, axis.name, tuple(axis.values))
        for section, axis in sections + [("signals", a) for a in grid.signal_axes]
    ]


def search_axes(instances: Sequence[tuple[str, IndicatorGrid]], risk: RiskGridRequest) -> list[SearchAxis]:
    """Every axis of a search in enumeration order (the module docstring's mixed-radix order);
    `instances` = (instance name, grid) in that order."""
    axes = [axis for owner, grid in instances for axis in _instance_axes(owner, grid)]
    for name in RISK_AXES:
        axes.append(SearchAxis(name, "risk", "risk", name, tuple(risk_axis_values(getattr(risk, name), name))))
    return axes


def unit_instances(units: Sequence[SignalUnit]) -> list[tuple[str, IndicatorGrid]]:
    """(name, grid) of every instance in the order the units enumerate them."""
    out: list[tuple[str, IndicatorGrid]] = []
    for unit in units:
        sides = (unit.instance,) if isinstance(unit, PlainUnit) else (unit.first, unit.second)
        out += [(instance.name, instance.grid) for instance in sides]
    return out


def request_axes(indicators: Sequence[IndicatorGridRequest], risk: RiskGridRequest) -> list[SearchAxis]:
    """The axes of a search request's grid (indicators.yaml defaults applied), without planning it."""
    catalog = default_indicator_catalog()
    ordered = sorted(indicators, key=lambda ind: ind.indicator_id)
    grids = build_indicator_grids(ordered, catalog.registry, catalog.defaults)
    return search_axes([(ind.entry_name, grid) for ind, grid in zip(ordered, grids, strict=True)], risk)


def payload_value(axis: SearchAxis, payload: VariantPayload) -> AxisValue:
    """The value a variant payload takes on one axis (None when it does not name it)."""
    if axis.section == "risk":
        return getattr(payload.risk_params, axis.param)
    if axis.section == "signals":
        return payload.signal_params.get(axis.owner, {}).get(axis.param)
    for selection in payload.indicator_selections:
        if selection.entry_name == axis.owner:
            return getattr(selection, axis.section).get(axis.param)
    return None


def axis_position(axes: Sequence[SearchAxis], name: str, path: str) -> int:
    """Index of the named axis; a `validation_error` at `path` listing the known names otherwise."""
    for position, axis in enumerate(axes):
        if axis.name == name:
            return position
    known = ", ".join(axis.name for axis in axes)
    raise DomainError(
        "validation_error",
        f"unknown grid axis {name!r}",
        details=[ErrorDetail(path, "unknown_axis", f"{name!r} is not an axis of this grid; axes: {known}")],
    )


class GridCoordinates:
    """Per-axis value indices of a prepared search's variants (see the module docstring)."""

    def __init__(self, prepared: PreparedSearch) -> None:
        plan = prepared.plan
        self._space = prepared.core.space
        units = plan.instances.units
        self.axes = search_axes(unit_instances(units), plan.request.risk)
        self._banks: list[_BankLayout] = []
        first = 0
        for unit, bank in zip(units, prepared.identities.banks, strict=True):
            if isinstance(unit, PlainUnit) and isinstance(bank, BankIdentity):
                self._banks.append(_bank_layout(unit.instance.grid, bank.signal_params, first, self.axes))
            elif isinstance(unit, CrossUnit) and isinstance(bank, CrossIdentity):
                self._banks.append(_cross_layout(unit, bank, first))
            first += len(self._banks[-1].radices)
        self._n_tp = len(self.axes[-1].values)

    def axis_position(self, name: str, path: str) -> int:
        return axis_position(self.axes, name, path)

    def digits(self, base_ids: np.ndarray, risk_idx: np.ndarray) -> np.ndarray:
        """int64[n, axes]: the value index on every axis of each (base id, risk index)."""
        out = np.empty((base_ids.shape[0], len(self.axes)), dtype=np.int64)
        picks = self._space.picks(np.asarray(base_ids, dtype=np.int64))
        for column, bank in enumerate(self._banks):
            codes = bank.row_to_code[picks[:, column]]
            out[:, bank.first_axis : bank.first_axis + len(bank.radices)] = _decompose(codes, bank.radices)
        risk_idx = np.asarray(risk_idx, dtype=np.int64)
        out[:, -2] = risk_idx // self._n_tp
        out[:, -1] = risk_idx % self._n_tp
        return out

    def locate(self, digits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(base ids, risk indices, exists): `exists` is False where a digit is out of range or the
        signal combination has no row; ids there are 0."""
        sizes = np.array([len(axis.values) for axis in self.axes], dtype=np.int64)
        exists = np.all((digits >= 0) & (digits < sizes[None, :]), axis=1)
        safe = np.where(exists[:, None], digits, 0)
        rows = np.empty((digits.shape[0], len(self._banks)), dtype=np.int64)
        for column, bank in enumerate(self._banks):
            codes = _compose(safe[:, bank.first_axis : bank.first_axis + len(bank.radices)], bank.radices)
            rows[:, column] = bank.rows_of(codes)
        exists &= np.all(rows >= 0, axis=1)
        rows = np.where(exists[:, None], rows, 0)
        base_ids = _compose(rows, [int(r) for r in self._space.radices])
        risk_idx = safe[:, -2] * self._n_tp + safe[:, -1]
        return base_ids, risk_idx, exists

    def payload_digits(self, payload: VariantPayload) -> list[int | None]:
        """The value index of a variant payload on every axis (None where its value is not on the axis)."""
        return [axis.index_of(payload_value(axis, payload)) for axis in self.axes]
