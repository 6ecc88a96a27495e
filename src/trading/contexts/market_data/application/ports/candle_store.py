"""What the application needs from a 1m candle store (reading for timelines, writing for imports)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from trading.contexts.market_data.domain.ohlcv import Ohlcv


class CandleReader(Protocol):
    def has_instrument(self, instrument_id: str) -> bool: ...

    def read_1m(self, instrument_id: str, start_ms: int, end_ms: int) -> Ohlcv:
        """Stored 1m bars with `start_ms <= ts < end_ms`, sorted by ts."""
        ...

    def last_close_before(self, instrument_id: str, ts_ms: int) -> float | None:
        """Close of the latest stored bar with ts < `ts_ms`, or None if there is none."""
        ...


class CandleWriter(Protocol):
    def write_1m(
        self,
        instrument_id: str,
        ts_ms: np.ndarray,
        open: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
    ) -> int:
        """Upsert by ts; returns the number of rows written."""
        ...
