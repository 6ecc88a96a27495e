"""Every indicator's listing explains its signal rule, naming its own primary output."""

from __future__ import annotations

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.contexts.indicators.application.services.catalogue import list_indicators
from trading.contexts.indicators.domain.definition import SIGNAL_RULES
from trading.contexts.indicators.domain.signal_rule_explanations import explain_signal_rule


def test_every_rule_and_indicator_has_an_explanation_naming_its_output() -> None:
    registry = default_registry()
    rules_seen = set()
    for definition in registry:
        text = explain_signal_rule(definition)
        assert f"{definition.indicator_id}.{definition.primary_output}" in text
        assert "LONG" in text and "SHORT" in text
        rules_seen.add(definition.signal_rule)
    assert rules_seen == set(SIGNAL_RULES)


def test_threshold_order_is_explained_as_mean_reversion_or_trend_following() -> None:
    rsi = next(d for d in default_registry() if d.indicator_id == "momentum.rsi")
    text = explain_signal_rule(rsi)
    assert "long_threshold <= short_threshold the rule is mean reversion" in text
    assert "long_threshold > short_threshold it is trend following" in text


def test_listing_serves_the_explanation() -> None:
    registry = default_registry()
    listing = list_indicators(registry, load_indicator_defaults(registry))
    assert all(entry["signal_rule_explanation"] for entry in listing)
