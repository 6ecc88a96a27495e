"""Builds the timeline a backtest runs on: warmup bars, then the target range, from the stored base bars.

The target range is half-open on bar close times: a bar is in `[start_ms, end_ms)` when it opens at or
after `start_ms` and closes at or before `end_ms` (higher-timeframe bars are whole UTC buckets, so an
`end_ms` inside a bucket leaves that bucket out). Continuous markets get a dense grid (a bucket without
trades is a flat `filled` bar); sessions markets get only the bars that exist.
"""

from __future__ import annotations

import numpy as np

from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.application.ports.candle_store import CandleReader
from trading.contexts.market_data.domain.instrument_id import resolve_instrument, unknown_instrument
from trading.contexts.market_data.domain.market import Market, MarketCatalog
from trading.contexts.market_data.domain.ohlcv import Ohlcv, concat, take
from trading.contexts.market_data.domain.rollup import densify, rollup
from trading.contexts.market_data.domain.timeline import TIMEFRAMES, Timeline
from trading.shared.errors import DomainError

DEFAULT_MAX_BASE_BARS = 20_000_000


def load_timeline(
    store: CandleReader,
    instrument_id: str,
    timeframe: str,
    start_ms: int,
    end_ms: int,
    warmup_bars: int,
    *,
    markets: MarketCatalog | None = None,
    max_base_bars: int = DEFAULT_MAX_BASE_BARS,
) -> Timeline:
    """Errors: unknown_timeframe, invalid_time_range, invalid_warmup_bars, invalid_instrument_id,
    unknown_instrument (404), timeframe_below_base, range_too_large, empty_time_range, no_data_in_range.
    `markets` defaults to the configured markets.yaml.
    """
    bucket_ms = _bucket_ms(timeframe)
    if end_ms <= start_ms:
        raise DomainError("invalid_time_range", f"time range end {end_ms} must be after start {start_ms} (epoch ms)")
    if warmup_bars < 0:
        raise DomainError("invalid_warmup_bars", f"warmup_bars must be >= 0, got {warmup_bars}")
    _, market = resolve_instrument(instrument_id, markets or load_markets())
    base = store.base_timeframe(instrument_id)
    if base is None:
        raise unknown_instrument(instrument_id, "no candles are stored for it")
    base_ms = TIMEFRAMES[base]
    if bucket_ms < base_ms:
        raise DomainError(
            "timeframe_below_base",
            f"{instrument_id} is stored at {base} bars; {timeframe} cannot be built from them "
            f"(ask for {base} or coarser)",
            extra={"base_timeframe": base},
        )

    target_start = _ceil_to(start_ms, bucket_ms)
    target_end = end_ms - end_ms % bucket_ms
    read_start = target_start - warmup_bars * bucket_ms
    needed = (target_end - read_start) // base_ms
    if needed > max_base_bars:
        raise DomainError(
            "range_too_large",
            f"loading {instrument_id} {timeframe} with {warmup_bars} warmup bars needs {needed} {base} bars, "
            f"over the limit of {max_base_bars}",
            extra={"requested_base_bars": needed, "max_base_bars": max_base_bars},
        )
    if target_start >= target_end:
        raise DomainError(
            "empty_time_range",
            f"[{iso_utc(start_ms)}, {iso_utc(end_ms)}) contains no whole {timeframe} bar",
        )

    notes = _coverage_notes(store, instrument_id, base_ms, target_start, target_end)
    if market.calendar == "sessions":
        return _sessions_timeline(store, market, instrument_id, timeframe, target_start, target_end, warmup_bars, notes)
    buckets = rollup(store.read_bars(instrument_id, read_start, target_end), bucket_ms)
    if not np.any(buckets["ts"] >= target_start):
        raise _no_data(store, instrument_id, timeframe, start_ms, end_ms)
    starts_empty = buckets["ts"][0] > read_start
    prev_close = store.last_close_before(instrument_id, read_start) if starts_empty else None
    dense = densify(buckets, bucket_ms, read_start, target_end, prev_close)
    first_ts = int(dense.bars["ts"][0])
    n_warmup = max(0, (target_start - first_ts) // bucket_ms)
    return _timeline(
        market,
        instrument_id,
        timeframe,
        dense.bars,
        dense.filled,
        n_warmup,
        warmup_bars,
        target_unavailable=max(0, (first_ts - target_start) // bucket_ms),
        notes=notes,
    )


def _sessions_timeline(
    store: CandleReader,
    market: Market,
    instrument_id: str,
    timeframe: str,
    target_start: int,
    target_end: int,
    warmup_bars: int,
    notes: tuple[str, ...],
) -> Timeline:
    """Only bars that exist; the warmup is the `warmup_bars` real bars before the target."""
    bucket_ms = TIMEFRAMES[timeframe]
    base = store.base_timeframe(instrument_id)
    assert base is not None
    per_bucket = bucket_ms // TIMEFRAMES[base]
    target = rollup(store.read_bars(instrument_id, target_start, target_end), bucket_ms)
    if target["ts"].shape[0] == 0:
        raise _no_data(store, instrument_id, timeframe, target_start, target_end)
    history = rollup(store.bars_before(instrument_id, target_start, warmup_bars * per_bucket), bucket_ms)
    n_history = history["ts"].shape[0]
    warmup = take(history, slice(max(0, n_history - warmup_bars), n_history))
    n_warmup = warmup["ts"].shape[0]
    bars = concat([warmup, target])
    filled = np.zeros(bars["ts"].shape[0], dtype=bool)
    return _timeline(market, instrument_id, timeframe, bars, filled, n_warmup, warmup_bars, 0, notes)


def _timeline(
    market: Market,
    instrument_id: str,
    timeframe: str,
    bars: Ohlcv,
    filled: np.ndarray,
    n_warmup: int,
    warmup_bars: int,
    target_unavailable: int,
    notes: tuple[str, ...],
) -> Timeline:
    return Timeline(
        instrument_id=instrument_id,
        timeframe=timeframe,
        ts_ms=bars["ts"],
        open=bars["open"],
        high=bars["high"],
        low=bars["low"],
        close=bars["close"],
        volume=bars["volume"],
        filled=filled,
        target_start=n_warmup,
        warmup_requested=warmup_bars,
        warmup_unavailable=warmup_bars - n_warmup,
        target_bars_unavailable=target_unavailable,
        calendar=market.calendar,
        annualization_days=market.annualization_days,
        data_notes=notes,
    )


def _coverage_notes(
    store: CandleReader, instrument_id: str, base_ms: int, target_start: int, target_end: int
) -> tuple[str, ...]:
    """Plain sentences for a range that reaches past the stored data (the run still uses what exists)."""
    span = store.data_span(instrument_id)
    if span is None:
        return ()
    first, last = span
    notes = []
    if first > target_start:
        notes.append(
            f"the range starts {iso_utc(target_start)} but {instrument_id} data starts {iso_utc(first)}: "
            "the part before has no bars"
        )
    if last + base_ms < target_end:
        notes.append(
            f"the range ends {iso_utc(target_end)} but {instrument_id} data ends {iso_utc(last + base_ms)}: "
            "the part after has no real bars"
        )
    return tuple(notes)


def _bucket_ms(timeframe: str) -> int:
    if timeframe not in TIMEFRAMES:
        raise DomainError("unknown_timeframe", f"unknown timeframe {timeframe!r}; use one of {', '.join(TIMEFRAMES)}")
    return TIMEFRAMES[timeframe]


def _ceil_to(ts_ms: int, step_ms: int) -> int:
    return -(-ts_ms // step_ms) * step_ms


def _no_data(store: CandleReader, instrument_id: str, timeframe: str, start_ms: int, end_ms: int) -> DomainError:
    span = store.data_span(instrument_id)
    stored = "" if span is None else f"; stored data covers [{iso_utc(span[0])}, {iso_utc(span[1])}]"
    return DomainError(
        "no_data_in_range",
        f"no {instrument_id} candles in [{iso_utc(start_ms)}, {iso_utc(end_ms)}) at {timeframe}{stored}",
    )


def iso_utc(ts_ms: int) -> str:
    return np.datetime_as_string(np.datetime64(ts_ms, "ms"), unit="s") + "Z"
