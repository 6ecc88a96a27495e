"""A small two-indicator search over the staged fixture's candles, exhaustive (preselect >= Stage A,
top_k = every Stage B variant) so its rows are the ground truth for any variant of the grid."""

from typing import Any

from trading.contexts.backtest.application.dto.run_backtest import RankedVariant, RunBacktestRequest

GRID: dict[str, Any] = {
    "instrument_id": "1:BTCUSDT",
    "timeframe": "5m",
    "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
    "warmup_bars": 50,
    "indicators": [
        {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 3, "stop_incl": 30, "step": 3}}},
        {"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [13, 5, 8]}}},
    ],
    "risk": {
        "sl_pct": {"mode": "explicit", "values": [None, 0.3, 0.8]},
        "tp_pct": {"mode": "explicit", "values": [0.5, None, 1.5, 3.0]},
    },
    "execution": {"direction_mode": "long_short", "fee_pct": 0.05, "slippage_pct": 0.01},
}
STAGE_A = 10 * 3
STAGE_B = STAGE_A * 3 * 4


def exhaustive_request(**overrides: Any) -> RunBacktestRequest:
    """Every variant of GRID as a row: same outcomes are not collapsed."""
    ranking = {"collapse_same_outcome": False, **overrides.pop("ranking", {})}
    return RunBacktestRequest.model_validate(
        {**GRID, "top_k": STAGE_B, "preselect": STAGE_A, "ranking": ranking, **overrides}
    )


def coordinates(row: RankedVariant) -> tuple:
    """(sma window, ema window, sl, tp) of a row: its position in GRID."""
    params = {s.indicator_id: s.params["window"] for s in row.payload.indicator_selections}
    risk = row.payload.risk_params
    return params["ma.sma"], params["ma.ema"], risk.sl_pct, risk.tp_pct
