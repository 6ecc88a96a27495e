"""Getting 1m candles into the store: validated CSV import and seeded synthetic data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trading.contexts.market_data.adapters.outbound.csv.candle_csv_reader import (
    CsvFormat,
    read_candle_csv,
)
from trading.contexts.market_data.application.ports.candle_store import CandleWriter
from trading.contexts.market_data.domain.bar_checks import first_bar_problem
from trading.contexts.market_data.domain.instrument_id import resolve_instrument
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.contexts.market_data.domain.ohlcv import Ohlcv
from trading.contexts.market_data.domain.synthetic import synthesize_1m


@dataclass(frozen=True)
class IngestResult:
    instrument_id: str
    rows: int
    first_ts_ms: int | None
    last_ts_ms: int | None
    source: str


def import_candle_csv(
    store: CandleWriter, markets: MarketCatalog, instrument_id: str, path: Path, fmt: CsvFormat = "auto"
) -> IngestResult:
    """All rows are parsed and checked before anything is written: one bad row fails the whole file."""
    resolve_instrument(instrument_id, markets)
    parsed = read_candle_csv(path, fmt)
    problem = first_bar_problem(parsed.bars)
    if problem is not None:
        raise parsed.rows.error(problem.row, problem.code, problem.message)
    return _write(store, instrument_id, parsed.bars, f"csv:{parsed.format}")


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
    return _write(store, instrument_id, bars, f"synth:seed={seed}")


def _write(store: CandleWriter, instrument_id: str, bars: Ohlcv, source: str) -> IngestResult:
    ts = bars["ts"]
    rows = store.write_1m(instrument_id, ts, bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"])
    if not rows:
        return IngestResult(instrument_id, 0, None, None, source)
    return IngestResult(instrument_id, rows, int(ts.min()), int(ts.max()), source)
