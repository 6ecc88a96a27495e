"""Keys and payloads of a search's variants, built from fragments rendered once.

A bank row is (indicator variant, signal params) with signal params fastest; a base variant picks one
row per bank. Per base variant the canonical text (indicator_variant_key + signals) is built once and
cached, so a Stage B key costs one string join and one SHA-256.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import (
    IndicatorSelection,
    RiskParamsPayload,
    VariantPayload,
)
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
class BankIdentity:
    """What each row of one indicator's signal bank stands for."""

    indicator_id: str
    variants: list[IndicatorVariant]
    signal_params: list[dict[str, ParamValue]]

    def split(self, row: int) -> tuple[IndicatorVariant, dict[str, ParamValue]]:
        n_signal = len(self.signal_params)
        return self.variants[row // n_signal], self.signal_params[row % n_signal]


@dataclass(frozen=True)
class _BaseIdentity:
    indicator_variant_key: str
    text: BaseVariantText
    selections: list[IndicatorVariant]
    signals: dict[str, dict[str, ParamValue]]


class SearchIdentities:
    def __init__(
        self,
        banks: Sequence[BankIdentity],
        space: BaseVariantSpace,
        risk: RiskGrid,
        instrument_id: str,
        timeframe: str,
        execution: ExecutionParams,
    ) -> None:
        self._banks = tuple(banks)
        self._space = space
        self._risk = risk  # decodes a risk index on demand; the sl x tp product is never listed
        self._instrument_id = instrument_id
        self._timeframe = timeframe
        self._execution = execution
        self._builder = VariantKeyBuilder(execution)
        self._fragments = [[indicator_fragment(v) for v in bank.variants] for bank in banks]
        self._cache: dict[int, _BaseIdentity] = {}

    @property
    def banks(self) -> tuple[BankIdentity, ...]:
        return self._banks

    def _base(self, base_id: int) -> _BaseIdentity:
        cached = self._cache.get(base_id)
        if cached is not None:
            return cached
        picks = self._space.picks(np.array([base_id], dtype=np.int64))[0]
        selections: list[IndicatorVariant] = []
        signals: dict[str, dict[str, ParamValue]] = {}
        fragments: list[tuple[str, str]] = []
        for bank, fragment_list, row in zip(self._banks, self._fragments, picks, strict=True):
            variant, signal_params = bank.split(int(row))
            selections.append(variant)
            signals[bank.indicator_id] = signal_params
            n_signal = len(bank.signal_params)
            fragments.append((bank.indicator_id, fragment_list[int(row) // n_signal]))
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
            indicator_selections=[
                IndicatorSelection(indicator_id=v.indicator_id, inputs=dict(v.inputs), params=dict(v.params))
                for v in base.selections
            ],
            signal_params={k: dict(v) for k, v in base.signals.items()},
            risk_params=RiskParamsPayload(sl_pct=risk.sl_pct, tp_pct=risk.tp_pct),
            execution_params=execution_payload(self._execution),
            direction_mode=self._execution.direction_mode,
            sizing_mode=self._execution.sizing_mode,
        )
