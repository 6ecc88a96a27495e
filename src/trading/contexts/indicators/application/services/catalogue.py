"""The indicator catalogue as `GET /api/indicators` shows it: axes with bounds and effective defaults."""

from __future__ import annotations

from typing import Any

from trading.contexts.indicators.application.dto.indicator_defaults import AxisSection, IndicatorDefaults
from trading.contexts.indicators.domain.definition import IndicatorDefinition
from trading.contexts.indicators.domain.param_spec import ParamSpec
from trading.contexts.indicators.domain.registry import IndicatorRegistry
from trading.contexts.indicators.domain.signal_rule_explanations import explain_signal_rule


def list_indicators(registry: IndicatorRegistry, defaults: IndicatorDefaults) -> list[dict[str, Any]]:
    return [_describe(definition, defaults) for definition in registry]


def _describe(definition: IndicatorDefinition, defaults: IndicatorDefaults) -> dict[str, Any]:
    def axes(section: AxisSection, specs: tuple[ParamSpec, ...]) -> list[dict[str, Any]]:
        return [
            {
                **spec.as_listing(),
                "default": defaults.axis(definition.indicator_id, section, spec.name) or spec.default_axis,
            }
            for spec in specs
        ]

    return {
        "id": definition.indicator_id,
        "group": definition.group,
        "inputs": axes("inputs", definition.inputs),
        "params": axes("params", definition.params),
        "outputs": list(definition.outputs),
        "primary_output": definition.primary_output,
        "signal_rule": definition.signal_rule,
        "signal_rule_explanation": explain_signal_rule(definition),
        "signal_params": axes("signals", definition.signal_params),
    }
