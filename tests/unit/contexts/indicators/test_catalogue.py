"""The catalogue listing: every registered indicator with bounds, defaults and signal rule."""

from __future__ import annotations

import pytest

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.contexts.indicators.application.services.catalogue import list_indicators

FIRST_ISSUE_SCOPE = [
    "ma.dema", "ma.ema", "ma.hma", "ma.rma", "ma.sma", "ma.tema", "ma.wma",
    "momentum.cci", "momentum.macd", "momentum.roc", "momentum.rsi", "momentum.stoch",
    "trend.adx", "trend.supertrend",
    "volatility.atr", "volatility.bbands", "volatility.bbands_percent_b", "volatility.stddev",
    "volume.mfi", "volume.obv",
]  # fmt: skip


def test_lists_every_indicator_with_bounds_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_ENV", "test")
    listing = list_indicators(default_registry(), load_indicator_defaults(default_registry()))
    listed = [entry["id"] for entry in listing]
    assert listed == sorted(default_registry().ids())
    assert set(FIRST_ISSUE_SCOPE) <= set(listed)
    rsi = next(entry for entry in listing if entry["id"] == "momentum.rsi")
    assert rsi["group"] == "momentum"
    assert rsi["signal_rule"] == "threshold_band"
    assert rsi["inputs"][0]["choices"] == ["open", "high", "low", "close", "hl2", "hlc3", "ohlc4"]
    assert rsi["params"] == [
        {"name": "window", "kind": "int", "min": 2, "max": 5000,
         "default": {"mode": "range", "start": 7, "stop_incl": 28, "step": 7}}
    ]  # fmt: skip
    assert [p["name"] for p in rsi["signal_params"]] == ["long_threshold", "short_threshold"]
    assert rsi["signal_params"][0]["default"] == {"mode": "range", "start": 20.0, "stop_incl": 40.0, "step": 5.0}
    rules = {entry["id"]: entry["signal_rule"] for entry in listing}
    assert rules["trend.supertrend"] == "compare_price_to_output"
    assert rules["momentum.macd"] == "sign"
    assert rules["volume.obv"] == "delta_sign"
    bbands = next(entry for entry in listing if entry["id"] == "volatility.bbands")
    assert bbands["primary_output"] == "basis"
