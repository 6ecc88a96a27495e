"""Getting candles into the store: validated CSV import (at the file's own interval) and seeded
synthetic 1m data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from trading.contexts.market_data.adapters.outbound.csv.candle_csv_reader import (
    CsvFormat,
    read_candle_csv,
)
from trading.contexts.market_data.application.ports.candle_store import CandleWriter
from trading.contexts.market_data.domain.bar_checks import first_bar_problem
from trading.contexts.market_data.domain.bar_interval import BaseInterval, resolve_interval
from trading.contexts.market_data.domain.instrument_id import resolve_instrument
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.contexts.market_data.domain.ohlcv import Ohlcv, make_ohlcv
from trading.contexts.market_data.domain.synthetic import synthesize_1m


@dataclass(frozen=True)
class IngestResult:
    instrument_id: str
    rows: int
    first_ts_ms: int | None
    last_ts_ms: int | None
    source: str
    timeframe: str = "1m"
    notes: list[str] = field(default_factory=list)


def import_candle_csv(
    store: CandleWriter,
    markets: MarketCatalog,
    instrument_id: str,
    path: Path,
    fmt: CsvFormat = "auto",
    *,
    timeframe: str | None = None,
    tz: tzinfo = UTC,
) -> IngestResult:
    """All rows are parsed and checked before anything is written: one bad row fails the whole file.

    `timeframe` None detects the interval; naive ISO timestamps are wall-clock times in `tz`.
    """
    resolve_instrument(instrument_id, markets)
    parsed = read_candle_csv(path, fmt, tz)
    problem = first_bar_problem(parsed.bars)
    if problem is not None:
        raise parsed.rows.error(problem.row, problem.code, problem.message)
    interval = resolve_interval(parsed.bars["ts"], parsed.wall_ms, timeframe, store.base_timeframe(instrument_id))
    if not isinstance(interval, BaseInterval):
        raise parsed.rows.error(interval.row, interval.code, interval.message)
    bars = parsed.bars
    bars = make_ohlcv(interval.ts, bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"])
    notes = [
        f"interval: {interval.timeframe} ({'detected' if interval.detected else 'given'})",
        _time_note(parsed.naive, interval.timeframe, tz),
    ]
    if parsed.ignored_columns:
        notes.append(f"ignored columns: {', '.join(parsed.ignored_columns)}")
    return _write(store, instrument_id, interval.timeframe, bars, f"csv:{parsed.format}", notes)


def write_synthetic_candles(
    store: CandleWriter,
    markets: MarketCatalog,
    instrument_id: str,
    start_ms: int,
    n_bars: int,
    seed: int,
    gap_fraction: float = 0.0,
) -> IngestResult:
    resolve_instrument(instrument_id, markets)
    bars = synthesize_1m(start_ms, n_bars, seed, gap_fraction=gap_fraction)
    return _write(store, instrument_id, "1m", bars, f"synth:seed={seed}", [])


def _time_note(naive: bool, timeframe: str, tz: tzinfo) -> str:
    if timeframe == "1d":
        return "daily bars are keyed by the date written in the file"
    if naive:
        return f"timestamps without an offset read as {tz} time"
    return "timestamps carry their own UTC offset or are epoch times"


def _write(
    store: CandleWriter, instrument_id: str, timeframe: str, bars: Ohlcv, source: str, notes: list[str]
) -> IngestResult:
    ts = bars["ts"]
    rows = store.write_bars(instrument_id, timeframe, bars)
    if not rows:
        return IngestResult(instrument_id, 0, None, None, source, timeframe, notes)
    return IngestResult(instrument_id, rows, int(ts.min()), int(ts.max()), source, timeframe, notes)
