"""Builds the dense timeline a backtest runs on: warmup bars, then the target range, from stored 1m bars.

A bar belongs to the range when its open time lies in `[start_ms, end_ms)`; higher-timeframe bars are
whole UTC buckets, so the last one may use minutes up to its own close time.
"""

from __future__ import annotations

import numpy as np

from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.application.ports.candle_store import CandleReader
from trading.contexts.market_data.domain.instrument_id import resolve_instrument, unknown_instrument
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.contexts.market_data.domain.ohlcv import MINUTE_MS
from trading.contexts.market_data.domain.rollup import densify, rollup
from trading.contexts.market_data.domain.timeline import TIMEFRAMES, Timeline
from trading.shared.errors import DomainError

DEFAULT_MAX_1M_BARS = 20_000_000


def load_timeline(
    store: CandleReader,
    instrument_id: str,
    timeframe: str,
    start_ms: int,
    end_ms: int,
    warmup_bars: int,
    *,
    markets: MarketCatalog | None = None,
    max_1m_bars: int = DEFAULT_MAX_1M_BARS,
) -> Timeline:
    """Errors: unknown_timeframe, invalid_time_range, invalid_warmup_bars, invalid_instrument_id,
    unknown_instrument (404), range_too_large, empty_time_range, no_data_in_range.
    `markets` defaults to the configured markets.yaml.
    """
    bucket_ms = _bucket_ms(timeframe)
    if end_ms <= start_ms:
        raise DomainError("invalid_time_range", f"time range end {end_ms} must be after start {start_ms} (epoch ms)")
    if warmup_bars < 0:
        raise DomainError("invalid_warmup_bars", f"warmup_bars must be >= 0, got {warmup_bars}")
    resolve_instrument(instrument_id, markets or load_markets())
    if not store.has_instrument(instrument_id):
        raise unknown_instrument(instrument_id, "no candles are stored for it")

    target_start = _ceil_to(start_ms, bucket_ms)
    grid_end = _ceil_to(end_ms, bucket_ms)
    read_start = target_start - warmup_bars * bucket_ms
    minutes = (grid_end - read_start) // MINUTE_MS
    if minutes > max_1m_bars:
        raise DomainError(
            "range_too_large",
            f"loading {instrument_id} {timeframe} with {warmup_bars} warmup bars needs {minutes} 1m bars, "
            f"over the limit of {max_1m_bars}",
            extra={"requested_1m_bars": minutes, "max_1m_bars": max_1m_bars},
        )
    if target_start >= grid_end:
        raise DomainError(
            "empty_time_range",
            f"[{_iso(start_ms)}, {_iso(end_ms)}) contains no {timeframe} bar open time",
        )

    buckets = rollup(store.read_1m(instrument_id, read_start, grid_end), bucket_ms)
    if not np.any(buckets["ts"] >= target_start):
        raise _no_data(instrument_id, timeframe, start_ms, end_ms)
    starts_empty = buckets["ts"][0] > read_start
    prev_close = store.last_close_before(instrument_id, read_start) if starts_empty else None
    dense = densify(buckets, bucket_ms, read_start, grid_end, prev_close)
    bars = dense.bars

    first_ts = int(bars["ts"][0])
    n_warmup = max(0, (target_start - first_ts) // bucket_ms)
    return Timeline(
        instrument_id=instrument_id,
        timeframe=timeframe,
        ts_ms=bars["ts"],
        open=bars["open"],
        high=bars["high"],
        low=bars["low"],
        close=bars["close"],
        volume=bars["volume"],
        filled=dense.filled,
        target_start=n_warmup,
        warmup_requested=warmup_bars,
        warmup_unavailable=warmup_bars - n_warmup,
        target_bars_unavailable=max(0, (first_ts - target_start) // bucket_ms),
    )


def _bucket_ms(timeframe: str) -> int:
    if timeframe not in TIMEFRAMES:
        raise DomainError("unknown_timeframe", f"unknown timeframe {timeframe!r}; use one of {', '.join(TIMEFRAMES)}")
    return TIMEFRAMES[timeframe]


def _ceil_to(ts_ms: int, step_ms: int) -> int:
    return -(-ts_ms // step_ms) * step_ms


def _no_data(instrument_id: str, timeframe: str, start_ms: int, end_ms: int) -> DomainError:
    return DomainError(
        "no_data_in_range",
        f"no {instrument_id} candles in [{_iso(start_ms)}, {_iso(end_ms)}) at {timeframe}",
    )


def _iso(ts_ms: int) -> str:
    return np.datetime_as_string(np.datetime64(ts_ms, "ms"), unit="s") + "Z"
