"""Keys and payloads of a search's variants, built from fragments rendered once.

A plain bank row is (indicator variant, signal params) with signal params fastest, a cross bank row is
one kept pair of two instances' variants; a base variant picks one row per bank. Per base variant the
canonical text (indicator_variant_key + signals) is built once and cached, so a Stage B key costs one
string join and one SHA-256.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import (
    IndicatorSelection,
    RiskParamsPayload,
    VariantPayload,
)
from trading.contexts.backtest.application.dto.strategy_rules import CrossRule
from trading.contexts.backtest.application.services.grid_builder_v1 import execution_payload
from trading.contexts.backtest.application.services.staged_core_runner_v1 import BaseVariantSpace, RiskGrid
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams
from trading.contexts.backtest.domain.value_objects.variant_identity import BaseVariantText, VariantKeyBuilder
from trading.contexts.indicators.application.dto.variant_key import (
    indicator_fragment,
    indicator_variant_key_from_fragments,
)
from trading.contexts.indicators.domain.grid import IndicatorVariant
from trading.contexts.indicators.domain.param_spec import ParamValue


@dataclass(frozen=True)
class InstanceVariants:
    """The compute variants of one indicator instance and their key fragments (rendered once)."""

    name: str
    alias: str | None
    variants: list[IndicatorVariant]

    @cached_property
    def fragments(self) -> list[str]:
        return [indicator_fragment(v, self.alias) for v in self.variants]

    def selection(self, index: int) -> IndicatorSelection:
        v = self.variants[index]
        return IndicatorSelection(
            indicator_id=v.indicator_id, alias=self.alias, inputs=dict(v.inputs), params=dict(v.params)
        )


@dataclass(frozen=True)
class BankIdentity:
    """What each row of a plain unit's signal bank stands for (variant major, signal params minor)."""

    instance: InstanceVariants
    signal_params: list[dict[str, ParamValue]]

    def entries(self, row: int) -> list[tuple[InstanceVariants, int]]:
        return [(self.instance, row // len(self.signal_params))]

    def signals(self, row: int) -> dict[str, dict[str, ParamValue]]:
        return {self.instance.name: self.signal_params[row % len(self.signal_params)]}


@dataclass(frozen=True)
class CrossIdentity:
    """What each row of a cross bank stands for: one kept (first variant, second variant) pair."""

    first: InstanceVariants
    second: InstanceVariants
    first_idx: np.ndarray
    second_idx: np.ndarray

    def entries(self, row: int) -> list[tuple[InstanceVariants, int]]:
        return [(self.first, int(self.first_idx[row])), (self.second, int(self.second_idx[row]))]

    def signals(self, row: int) -> dict[str, dict[str, ParamValue]]:
        return {}


UnitIdentity = BankIdentity | CrossIdentity


@dataclass(frozen=True)
class _BaseIdentity:
    indicator_variant_key: str
    text: BaseVariantText
    selections: list[tuple[InstanceVariants, int]]
    signals: dict[str, dict[str, ParamValue]]


class SearchIdentities:
    def __init__(
        self,
        banks: Sequence[UnitIdentity],
        space: BaseVariantSpace,
        risk: RiskGrid,
        instrument_id: str,
        timeframe: str,
        execution: ExecutionParams,
        rules: Sequence[CrossRule] = (),
    ) -> None:
        self._banks = tuple(banks)
        self._space = space
        self._risk = risk  # decodes a risk index on demand; the sl x tp product is never listed
        self._instrument_id = instrument_id
        self._timeframe = timeframe
        self._execution = execution
        self._rules = [rule.model_copy() for rule in rules]
        self._builder = VariantKeyBuilder(execution, [rule.model_dump() for rule in rules])
        self._cache: dict[int, _BaseIdentity] = {}

    @property
    def banks(self) -> tuple[UnitIdentity, ...]:
        return self._banks

    def _base(self, base_id: int) -> _BaseIdentity:
        cached = self._cache.get(base_id)
        if cached is not None:
            return cached
        picks = self._space.picks(np.array([base_id], dtype=np.int64))[0]
        selections: list[tuple[InstanceVariants, int]] = []
        signals: dict[str, dict[str, ParamValue]] = {}
        fragments: list[tuple[str, str]] = []
        for bank, row in zip(self._banks, picks, strict=True):
            for instance, index in bank.entries(int(row)):
                selections.append((instance, index))
                fragments.append((instance.variants[index].indicator_id, instance.fragments[index]))
            signals.update(bank.signals(int(row)))
        key = indicator_variant_key_from_fragments(fragments, self._instrument_id, self._timeframe)
        identity = _BaseIdentity(key, self._builder.base_text(key, signals), selections, signals)
        self._cache[base_id] = identity
        return identity

    def base_keys(self, base_ids: np.ndarray) -> list[str]:
        return [self._builder.base_variant_key(self._base(int(b)).text) for b in base_ids]

    def variant_keys(self, base_ids: np.ndarray, risk_idx: np.ndarray) -> list[str]:
        return [
            self._builder.variant_key(self._base(int(b)).text, self._risk[int(r)])
            for b, r in zip(base_ids, risk_idx, strict=True)
        ]

    def indicator_variant_key(self, base_id: int) -> str:
        return self._base(base_id).indicator_variant_key

    def payload(self, base_id: int, risk_index: int) -> VariantPayload:
        base = self._base(base_id)
        risk = self._risk[risk_index]
        return VariantPayload(
            indicator_selections=[instance.selection(index) for instance, index in base.selections],
            signal_params={k: dict(v) for k, v in base.signals.items()},
            rules=[rule.model_copy() for rule in self._rules],
            risk_params=RiskParamsPayload(sl_pct=risk.sl_pct, tp_pct=risk.tp_pct),
            execution_params=execution_payload(self._execution),
            direction_mode=self._execution.direction_mode,
            sizing_mode=self._execution.sizing_mode,
        )
