"""Pinned variant keys: the canonical JSON is written out literally so the format cannot drift."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams
from trading.contexts.backtest.domain.value_objects.variant_identity import (
    VariantKeyBuilder,
    base_variant_key,
    variant_key,
)

IVK_3F = "3f" * 32
IVK_ZERO = "0" * 64

WORKED_KEYS: list[tuple[str, dict[str, dict[str, Any]], RiskParams, ExecutionParams, str, str]] = [
    (
        IVK_3F,
        {"sma": {}},
        RiskParams(),
        ExecutionParams(),
        '{"direction_mode":"long_short","execution":{"fee_pct":0.075,"fixed_quote":1000.0,'
        '"init_cash_quote":10000.0,"safe_profit_percent":30.0,"slippage_pct":0.0},'
        '"indicator_variant_key":"' + IVK_3F + '",'
        '"risk":{"sl_enabled":false,"sl_pct":null,"tp_enabled":false,"tp_pct":null},'
        '"schema_version":1,"signals":{"sma":{}},"sizing_mode":"all_in"}',
        "1c4660d174d346f652bc616284c0e58783a796ebcf38fedf464d13bff5481844",
    ),
    (
        IVK_3F,
        {"sma": {}, "rsi": {"short_threshold": 70, "long_threshold": 30}},
        RiskParams(sl_pct=2, tp_pct=4.5),
        ExecutionParams(direction_mode="long_only", sizing_mode="fixed_quote", fee_pct=0.1, slippage_pct=0.05),
        '{"direction_mode":"long_only","execution":{"fee_pct":0.1,"fixed_quote":1000.0,'
        '"init_cash_quote":10000.0,"safe_profit_percent":30.0,"slippage_pct":0.05},'
        '"indicator_variant_key":"' + IVK_3F + '",'
        '"risk":{"sl_enabled":true,"sl_pct":2.0,"tp_enabled":true,"tp_pct":4.5},'
        '"schema_version":1,"signals":{"rsi":{"long_threshold":30,"short_threshold":70},"sma":{}},'
        '"sizing_mode":"fixed_quote"}',
        "50ed76cf8c8cd00cd24d09bc0b6e88484e9bfa5e1bbdc218fb4ae090b65d150a",
    ),
    (
        IVK_ZERO,
        {"macd": {}},
        RiskParams(tp_pct=1.25),
        ExecutionParams(sizing_mode="strategy_compound_profit_lock", init_cash_quote=5000),
        '{"direction_mode":"long_short","execution":{"fee_pct":0.075,"fixed_quote":1000.0,'
        '"init_cash_quote":5000.0,"safe_profit_percent":30.0,"slippage_pct":0.0},'
        '"indicator_variant_key":"' + IVK_ZERO + '",'
        '"risk":{"sl_enabled":false,"sl_pct":null,"tp_enabled":true,"tp_pct":1.25},'
        '"schema_version":1,"signals":{"macd":{}},"sizing_mode":"strategy_compound_profit_lock"}',
        "231d5a8282cb6262ce57eb6f6185d3257c5ca1ebb1d9eda7243a575bf5ac35ff",
    ),
    (
        # Execution modes away from their close defaults enter the execution document.
        IVK_3F,
        {"sma": {}},
        RiskParams(sl_pct=2),
        ExecutionParams(stop_mode="intrabar", fill="next_open"),
        '{"direction_mode":"long_short","execution":{"fee_pct":0.075,"fill":"next_open","fixed_quote":1000.0,'
        '"init_cash_quote":10000.0,"safe_profit_percent":30.0,"slippage_pct":0.0,"stop_mode":"intrabar"},'
        '"indicator_variant_key":"' + IVK_3F + '",'
        '"risk":{"sl_enabled":true,"sl_pct":2.0,"tp_enabled":false,"tp_pct":null},'
        '"schema_version":1,"signals":{"sma":{}},"sizing_mode":"all_in"}',
        "8f738ef5ac1236f5061677a93986408eaf9b1053be2d78ceb1f843dac8073325",
    ),
]


@pytest.mark.parametrize(("ivk", "signals", "risk", "execution", "canonical", "pinned"), WORKED_KEYS)
def test_variant_key_is_sha256_of_the_literal_canonical_json(
    ivk: str,
    signals: dict[str, dict[str, Any]],
    risk: RiskParams,
    execution: ExecutionParams,
    canonical: str,
    pinned: str,
) -> None:
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert expected == pinned
    assert variant_key(ivk, signals, risk, execution) == expected
    builder = VariantKeyBuilder(execution)
    assert builder.variant_key(builder.base_text(ivk, signals), risk) == expected


def test_base_variant_key_is_the_key_with_risk_disabled() -> None:
    execution = ExecutionParams(fee_pct=0.1)
    signals = {"rsi": {"long_threshold": 30, "short_threshold": 70}}
    builder = VariantKeyBuilder(execution)
    base = builder.base_text(IVK_3F, signals)
    expected = variant_key(IVK_3F, signals, RiskParams(), execution)
    assert base_variant_key(IVK_3F, signals, execution) == expected
    assert builder.base_variant_key(base) == expected
    assert builder.variant_key(base, RiskParams(sl_pct=1.0)) != expected


def test_builder_matches_reference_over_a_grid_and_keys_are_distinct() -> None:
    execution = ExecutionParams(direction_mode="short_only", slippage_pct=0.01)
    builder = VariantKeyBuilder(execution)
    risks = [RiskParams(sl, tp) for sl in (None, 0.5, 1.0) for tp in (None, 2.0, 3.5)]
    keys = set()
    for window in (5, 10):
        signals = {"bbands": {}, "rsi": {"long_threshold": window, "short_threshold": 80}}
        base = builder.base_text(IVK_ZERO, signals)
        for risk in risks:
            key = builder.variant_key(base, risk)
            assert key == variant_key(IVK_ZERO, signals, risk, execution)
            keys.add(key)
    assert len(keys) == 2 * len(risks)


def test_integer_and_float_percents_name_the_same_variant() -> None:
    execution = ExecutionParams()
    assert variant_key(IVK_3F, {}, RiskParams(sl_pct=2), execution) == variant_key(
        IVK_3F, {}, RiskParams(sl_pct=2.0), execution
    )
    assert variant_key(IVK_3F, {}, RiskParams(), ExecutionParams(fee_pct=1)) == variant_key(
        IVK_3F, {}, RiskParams(), ExecutionParams(fee_pct=1.0)
    )


def test_execution_modes_change_the_key_only_when_used() -> None:
    risk = RiskParams(sl_pct=2)
    explicit_defaults = ExecutionParams(stop_mode="close", fill="close")
    keys = {
        variant_key(IVK_3F, {"sma": {}}, risk, ExecutionParams(stop_mode=stop_mode, fill=fill))  # type: ignore[arg-type]
        for stop_mode in ("close", "intrabar")
        for fill in ("close", "next_open")
    }
    assert len(keys) == 4
    assert variant_key(IVK_3F, {"sma": {}}, risk, explicit_defaults) == variant_key(
        IVK_3F, {"sma": {}}, risk, ExecutionParams()
    )


def test_cross_rules_enter_the_key_document_pinned() -> None:
    """A search's cross rules sit between `risk` and `schema_version`; without rules nothing changes."""
    rules = [{"type": "cross", "first": "fast", "second": "slow"}]
    execution = ExecutionParams(fill="next_open")
    canonical = (
        '{"direction_mode":"long_short","execution":{"fee_pct":0.075,"fill":"next_open","fixed_quote":1000.0,'
        '"init_cash_quote":10000.0,"safe_profit_percent":30.0,"slippage_pct":0.0},'
        '"indicator_variant_key":"' + IVK_3F + '",'
        '"risk":{"sl_enabled":false,"sl_pct":null,"tp_enabled":false,"tp_pct":null},'
        '"rules":[{"first":"fast","second":"slow","type":"cross"}],'
        '"schema_version":1,"signals":{},"sizing_mode":"all_in"}'
    )
    pinned = "6f859dede9dd4652d03e6ac212ef2d707017cd4ca68be6ac642baa8d29fd35e9"
    assert hashlib.sha256(canonical.encode()).hexdigest() == pinned
    assert variant_key(IVK_3F, {}, RiskParams(), execution, rules) == pinned
    builder = VariantKeyBuilder(execution, rules)
    assert builder.variant_key(builder.base_text(IVK_3F, {}), RiskParams()) == pinned
    without = VariantKeyBuilder(execution)
    assert (
        without.variant_key(without.base_text(IVK_3F, {}), RiskParams())
        == variant_key(IVK_3F, {}, RiskParams(), execution)
        != pinned
    )
