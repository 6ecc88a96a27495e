"""The requests every distributed test runs: one indicator; two ANDed; ties and NaN/inf metrics ranked
by a metric that has them (profit factor: inf with no losing trade, NaN with no trade) then a secondary;
the ties again with one row per variant (the others collapse same outcomes, the config default)."""

from typing import Any

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest

_BASE: dict[str, Any] = {
    "instrument_id": "1:BTCUSDT",
    "timeframe": "5m",
    "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
    "warmup_bars": 50,
    "risk": {
        "sl_pct": {"mode": "explicit", "values": [None, 0.3, 0.8]},
        "tp_pct": {"mode": "explicit", "values": [None, 0.5, 1.5]},
    },
    "execution": {"direction_mode": "long_short", "fee_pct": 0.05, "slippage_pct": 0.01},
    "top_k": 25,
    "preselect": 40,
}

REQUESTS: dict[str, dict[str, Any]] = {
    "one_indicator": {
        "indicators": [
            {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 2, "stop_incl": 120, "step": 1}}}
        ],
    },
    "two_anded": {
        "indicators": [
            {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 3, "stop_incl": 60, "step": 3}}},
            {"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [5, 8, 13, 21]}}},
        ],
    },
    "ties_nan_inf_secondary": {
        # extreme RSI bands: most variants never trade (NaN profit factor), some only win (inf, tied)
        "indicators": [
            {
                "indicator_id": "momentum.rsi",
                "params": {"window": {"mode": "range", "start": 5, "stop_incl": 30, "step": 1}},
                "signals": {
                    "long_threshold": {"mode": "explicit", "values": [5.0, 10.0, 15.0, 20.0]},
                    "short_threshold": {"mode": "explicit", "values": [80.0, 85.0, 90.0, 95.0]},
                },
            }
        ],
        "time_range": {"start": "2024-01-03T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
        "warmup_bars": 60,
        "ranking": {"primary_metric": "profit_factor", "secondary_metric": "max_drawdown_pct"},
    },
}
REQUESTS["ties_per_variant"] = {
    **REQUESTS["ties_nan_inf_secondary"],
    "ranking": {**REQUESTS["ties_nan_inf_secondary"]["ranking"], "collapse_same_outcome": False},
}


def search_request(name: str, **overrides: Any) -> RunBacktestRequest:
    return RunBacktestRequest.model_validate({**_BASE, **REQUESTS[name], **overrides})
