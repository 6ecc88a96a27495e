"""Variant identity keys: SHA-256 of the canonical JSON document

    {schema_version: 1, indicator_variant_key, signals, risk, execution, direction_mode, sizing_mode}

plus `rules` (the search's cross rules, `[{"first":..,"second":..,"type":"cross"}]` sorted by first,
second) only when there is one, so a variant without rules keeps its key.

`variant_key` builds the document and hashes it (the reference). `VariantKeyBuilder` produces the same
bytes from fragments rendered once per run (execution), once per base variant (indicators + signals) and
once per risk combination, so scoring many variants costs a string join and one hash each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams
from trading.shared.canonical_json import canonical_dumps, canonical_sha256, sha256_hex

VARIANT_KEY_SCHEMA_VERSION = 1

SignalParams = Mapping[str, Mapping[str, Any]]
RulesDocument = Sequence[Mapping[str, str]]
DISABLED_RISK = RiskParams()
EXECUTION_MODE_DEFAULTS = {"stop_mode": ExecutionParams.stop_mode, "fill": ExecutionParams.fill}


def signals_document(signals: SignalParams) -> dict[str, dict[str, Any]]:
    """Signal params per indicator id; canonical JSON sorts ids and names."""
    return {indicator_id: dict(params) for indicator_id, params in signals.items()}


def risk_document(risk: RiskParams) -> dict[str, Any]:
    """Percents as floats, so 1 and 1.0 name the same variant."""
    return {
        "sl_enabled": risk.sl_pct is not None,
        "sl_pct": None if risk.sl_pct is None else float(risk.sl_pct),
        "tp_enabled": risk.tp_pct is not None,
        "tp_pct": None if risk.tp_pct is None else float(risk.tp_pct),
    }


def execution_document(execution: ExecutionParams) -> dict[str, float | str]:
    """Money and percent settings (direction and sizing modes are top-level fields of the variant
    document). `stop_mode` / `fill` enter only when they differ from the close default, so every key of
    a request that does not use them stays what it was."""
    document: dict[str, float | str] = {
        "init_cash_quote": float(execution.init_cash_quote),
        "fixed_quote": float(execution.fixed_quote),
        "safe_profit_percent": float(execution.safe_profit_percent),
        "fee_pct": float(execution.fee_pct),
        "slippage_pct": float(execution.slippage_pct),
    }
    for name, default in EXECUTION_MODE_DEFAULTS.items():
        value = getattr(execution, name)
        if value != default:
            document[name] = value
    return document


def variant_document(
    indicator_variant_key: str,
    signals: SignalParams,
    risk: RiskParams,
    execution: ExecutionParams,
    rules: RulesDocument = (),
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": VARIANT_KEY_SCHEMA_VERSION,
        "indicator_variant_key": indicator_variant_key,
        "signals": signals_document(signals),
        "risk": risk_document(risk),
        "execution": execution_document(execution),
        "direction_mode": execution.direction_mode,
        "sizing_mode": execution.sizing_mode,
    }
    if rules:
        document["rules"] = [dict(rule) for rule in rules]
    return document


def variant_key(
    indicator_variant_key: str,
    signals: SignalParams,
    risk: RiskParams,
    execution: ExecutionParams,
    rules: RulesDocument = (),
) -> str:
    return canonical_sha256(variant_document(indicator_variant_key, signals, risk, execution, rules))


def base_variant_key(indicator_variant_key: str, signals: SignalParams, execution: ExecutionParams) -> str:
    """The key of the variant with stop-loss and take-profit disabled (Stage A identity)."""
    return variant_key(indicator_variant_key, signals, DISABLED_RISK, execution)


@lru_cache(maxsize=4096)
def risk_fragment(risk: RiskParams) -> str:
    return canonical_dumps(risk_document(risk))


@dataclass(frozen=True)
class BaseVariantText:
    """Canonical text of one base variant around the risk value: `head + risk_fragment + tail`."""

    head: str
    tail: str


class VariantKeyBuilder:
    """Keys for many variants of one run. The text between the fragments follows the sorted key order
    of the document: direction_mode, execution, indicator_variant_key, risk, (rules,) schema_version,
    signals, sizing_mode."""

    def __init__(self, execution: ExecutionParams, rules: RulesDocument = ()) -> None:
        self._run_prefix = (
            '{"direction_mode":'
            + canonical_dumps(execution.direction_mode)
            + ',"execution":'
            + canonical_dumps(execution_document(execution))
            + ',"indicator_variant_key":'
        )
        self._run_suffix = ',"sizing_mode":' + canonical_dumps(execution.sizing_mode) + "}"
        rules_part = ',"rules":' + canonical_dumps([dict(rule) for rule in rules]) if rules else ""
        self._schema_part = rules_part + ',"schema_version":' + str(VARIANT_KEY_SCHEMA_VERSION) + ',"signals":'

    def base_text(self, indicator_variant_key: str, signals: SignalParams) -> BaseVariantText:
        return BaseVariantText(
            head=self._run_prefix + canonical_dumps(indicator_variant_key) + ',"risk":',
            tail=self._schema_part + canonical_dumps(signals_document(signals)) + self._run_suffix,
        )

    def variant_key(self, base: BaseVariantText, risk: RiskParams) -> str:
        return sha256_hex(base.head + risk_fragment(risk) + base.tail)

    def base_variant_key(self, base: BaseVariantText) -> str:
        return self.variant_key(base, DISABLED_RISK)
