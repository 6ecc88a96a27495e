"""The bar series every later stage reads: warmup bars followed by the target slice, with the market
conventions (calendar, days per year) that later stages need to read it right."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIMEFRAMES: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "1d": 86_400_000,
}


@dataclass(frozen=True)
class Timeline:
    """Bars `[0, target_start)` are warmup (indicator history only); `[target_start, n)` is the target.

    All arrays have the same length; prices are float64, `ts_ms` is int64 bar open time (UTC ms),
    `filled` marks buckets with no trades (flat bar at the previous close, volume 0); a `sessions`
    market never has filled bars. `annualization_days` is what Sharpe / Sortino / Calmar annualise with;
    `data_notes` say plainly where the requested range reaches past the stored data.
    """

    instrument_id: str
    timeframe: str
    ts_ms: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    filled: np.ndarray
    target_start: int
    warmup_requested: int
    warmup_unavailable: int
    target_bars_unavailable: int
    calendar: str = "continuous"
    annualization_days: int = 365
    data_notes: tuple[str, ...] = ()

    @property
    def n_bars(self) -> int:
        return int(self.ts_ms.shape[0])

    @property
    def n_target(self) -> int:
        return self.n_bars - self.target_start
