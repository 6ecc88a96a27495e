"""What the application needs from a candle store (reading for timelines, writing for imports).

Each instrument is stored at one base timeframe; reads return bars at that base."""

from __future__ import annotations

from typing import Protocol

from trading.contexts.market_data.domain.ohlcv import Ohlcv


class CandleReader(Protocol):
    def has_instrument(self, instrument_id: str) -> bool: ...

    def base_timeframe(self, instrument_id: str) -> str | None: ...

    def read_bars(self, instrument_id: str, start_ms: int, end_ms: int) -> Ohlcv:
        """Stored base bars with `start_ms <= ts < end_ms`, sorted by ts."""
        ...

    def bars_before(self, instrument_id: str, ts_ms: int, count: int) -> Ohlcv:
        """The last `count` stored base bars with ts < `ts_ms`, sorted by ts."""
        ...

    def last_close_before(self, instrument_id: str, ts_ms: int) -> float | None:
        """Close of the latest stored bar with ts < `ts_ms`, or None if there is none."""
        ...

    def data_span(self, instrument_id: str) -> tuple[int, int] | None:
        """Open times of the first and last stored bar."""
        ...


class CandleWriter(Protocol):
    def base_timeframe(self, instrument_id: str) -> str | None: ...

    def write_bars(self, instrument_id: str, timeframe: str, bars: Ohlcv) -> int:
        """Upsert by ts at the instrument's base timeframe; returns the number of rows written."""
        ...
