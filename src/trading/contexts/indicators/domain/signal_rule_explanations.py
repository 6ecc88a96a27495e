"""One human paragraph per signal rule (realism.md section 4): what LONG / SHORT mean for an indicator
and how its thresholds choose between mean reversion and trend following. Served by
`GET /api/indicators`, printed by `trading indicators show ID`, shown on the UI's indicator card."""

from __future__ import annotations

from trading.contexts.indicators.domain.definition import IndicatorDefinition, SignalRuleName

_TEMPLATES: dict[SignalRuleName, str] = {
    "compare_price_to_output": (
        "Trend following: LONG while the price (the variant's source, close when it has none) is above "
        "{output}, SHORT while below, NEUTRAL on equality or while {output} is not defined yet. Entries "
        "happen on the bar the price crosses {output}."
    ),
    "threshold_band": (
        "Band on {output} with long_threshold and short_threshold (both inclusive). If long_threshold <= "
        "short_threshold the rule is mean reversion: LONG when {output} <= long_threshold (oversold), SHORT "
        "when it is >= short_threshold (overbought). If long_threshold > short_threshold it is trend "
        "following: LONG when {output} >= long_threshold (strength), SHORT when <= short_threshold. "
        "Between the thresholds: NEUTRAL, which closes a position."
    ),
    "sign": (
        "Momentum sign: LONG while {output} is above 0, SHORT while below 0, NEUTRAL at exactly 0 or while "
        "undefined."
    ),
    "delta_sign": (
        "Rising / falling: LONG when {output} rose over the last n_long bars, SHORT when it fell over the "
        "last n_short bars, NEUTRAL when both or neither hold. Useful as a volatility or participation "
        "filter combined (AND) with a directional indicator."
    ),
    "threshold_centered": (
        "Around 1: LONG when {output} is above 1 + abs_threshold, SHORT when below 1 - abs_threshold, "
        "NEUTRAL in between."
    ),
    "compare_volume_to_output": (
        "Volume filter: LONG while volume is above {output}, SHORT while below; mostly combined (AND) with "
        "a directional indicator."
    ),
    "pivot_event": (
        "Swing points: LONG on the bar a pivot low of {output} is confirmed (after the bars it needs, never "
        "earlier), SHORT on the bar a pivot high is confirmed, NEUTRAL otherwise."
    ),
    "candle_direction": (
        "Candle direction: LONG when {output} says the candle closed up, SHORT when it closed down, NEUTRAL "
        "for a flat candle."
    ),
}


def explain_signal_rule(definition: IndicatorDefinition) -> str:
    """The rule's paragraph with the indicator's primary output named in it."""
    return _TEMPLATES[definition.signal_rule].format(output=f"{definition.indicator_id}.{definition.primary_output}")
