"""Embedded 1m candle store: one Parquet file per instrument and UTC month.

Layout: `<data_dir>/candles_1m/<market_id>/<SYMBOL>/<YYYY-MM>.parquet`, rows sorted by unique `ts`.
A range read opens only the month files it overlaps; a write replaces whole month files atomically
(temp file + rename), so readers never see a half-written month. Writes to one instrument are assumed
to come from a single process at a time (imports are an operator action, not a request path).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trading.contexts.market_data.adapters.outbound.arrow_columns import to_arrow, to_numpy
from trading.contexts.market_data.domain.instrument_id import InstrumentId
from trading.contexts.market_data.domain.ohlcv import (
    COLUMNS,
    MINUTE_MS,
    Ohlcv,
    concat,
    make_ohlcv,
    take,
)

DATA_DIR_VAR = "TRADING_DATA_DIR"
_NUMPY_TYPES = {name: np.dtype(np.int64 if name == "ts" else np.float64) for name in COLUMNS}
_ENCODINGS = {name: "DELTA_BINARY_PACKED" if name == "ts" else "BYTE_STREAM_SPLIT" for name in COLUMNS}
_SCHEMA = pa.schema([(name, pa.from_numpy_dtype(dtype)) for name, dtype in _NUMPY_TYPES.items()])


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_VAR) or "data")


@dataclass(frozen=True)
class InstrumentSummary:
    instrument_id: str
    first_ts_ms: int
    last_ts_ms: int
    count: int

    @property
    def missing_minutes(self) -> int:
        """Minutes between the first and last bar that have no bar."""
        return (self.last_ts_ms - self.first_ts_ms) // MINUTE_MS + 1 - self.count


@dataclass(frozen=True)
class _MonthFile:
    path: Path
    start_ms: int
    end_ms: int


class CandleStore:
    def __init__(self, data_dir: Path | str) -> None:
        self.root = Path(data_dir) / "candles_1m"

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
        """Upsert bars by ts (stored minutes that are written again are replaced); returns rows written."""
        bars = make_ohlcv(ts_ms, open, high, low, close, volume)
        ts = bars["ts"]
        if ts.shape[0] == 0:
            return 0
        if np.any(ts % MINUTE_MS):
            raise ValueError("write_1m: every ts must be on a whole UTC minute")
        order = np.argsort(ts, kind="stable")
        bars = take(bars, order)
        if np.any(np.diff(bars["ts"]) == 0):
            raise ValueError("write_1m: duplicate ts in one write")
        directory = self._instrument_dir(instrument_id)
        directory.mkdir(parents=True, exist_ok=True)
        months = bars["ts"].astype("datetime64[ms]").astype("datetime64[M]")
        starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
        for lo, hi in zip(starts, np.r_[starts[1:], months.shape[0]], strict=True):
            month = take(bars, slice(int(lo), int(hi)))
            path = directory / f"{months[lo]}.parquet"
            if path.exists():
                month = _upsert(_read_file(path), month)
            _write_atomic(path, month)
        return int(ts.shape[0])

    def read_1m(self, instrument_id: str, start_ms: int, end_ms: int) -> Ohlcv:
        """Stored bars with `start_ms <= ts < end_ms` (fresh writable arrays); only month files
        overlapping the range are opened."""
        parts = []
        for month in self._month_files(instrument_id):
            if month.end_ms > start_ms and month.start_ms < end_ms:
                bars = _read_file(month.path)
                lo, hi = np.searchsorted(bars["ts"], [start_ms, end_ms])
                parts.append(take(bars, slice(int(lo), int(hi))))
        return concat(parts)

    def last_close_before(self, instrument_id: str, ts_ms: int) -> float | None:
        for month in reversed(self._month_files(instrument_id)):
            if month.start_ms < ts_ms:
                bars = _read_file(month.path)
                position = int(np.searchsorted(bars["ts"], ts_ms))
                if position:
                    return float(bars["close"][position - 1])
        return None

    def has_instrument(self, instrument_id: str) -> bool:
        return bool(self._month_files(instrument_id))

    def list_instruments(self) -> list[InstrumentSummary]:
        """Every stored instrument with first/last bar and count, from Parquet metadata only (no data read)."""
        summaries = []
        for market_dir in sorted(p for p in self.root.glob("*") if p.is_dir()):
            for symbol_dir in sorted(p for p in market_dir.glob("*") if p.is_dir()):
                instrument_id = f"{market_dir.name}:{symbol_dir.name}"
                months = self._month_files(instrument_id)
                if months:
                    summaries.append(_summarize(instrument_id, [m.path for m in months]))
        return sorted(summaries, key=lambda s: InstrumentId.parse(s.instrument_id))

    def _instrument_dir(self, instrument_id: str) -> Path:
        instrument = InstrumentId.parse(instrument_id)
        return self.root / str(instrument.market_id) / instrument.symbol

    def _month_files(self, instrument_id: str) -> list[_MonthFile]:
        directory = self._instrument_dir(instrument_id)
        months = []
        for path in sorted(directory.glob("????-??.parquet")):
            start = np.datetime64(path.stem, "M")
            months.append(_MonthFile(path, _month_ms(start), _month_ms(start + 1)))
        return months


def _month_ms(month: np.datetime64) -> int:
    return int(month.astype("datetime64[ms]").astype(np.int64))


def _read_file(path: Path) -> Ohlcv:
    table = pq.ParquetFile(path).read(columns=list(COLUMNS))
    if not table.schema.equals(_SCHEMA):
        raise ValueError(f"{path}: unexpected schema {table.schema}")
    return make_ohlcv(*(to_numpy(table.column(name), dtype) for name, dtype in _NUMPY_TYPES.items()))


def _upsert(stored: Ohlcv, incoming: Ohlcv) -> Ohlcv:
    """Stored rows whose ts is not written again, plus all incoming rows, sorted by ts."""
    kept = take(stored, ~np.isin(stored["ts"], incoming["ts"]))
    merged = concat([kept, incoming])
    return take(merged, np.argsort(merged["ts"], kind="stable"))


def _write_atomic(path: Path, bars: Ohlcv) -> None:
    """Float columns byte-stream-split + zstd(1), ts delta-encoded: small files at near-raw write speed."""
    table = pa.Table.from_arrays([to_arrow(bars[name]) for name in COLUMNS], schema=_SCHEMA)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(
            table,
            temp,
            compression="zstd",
            compression_level=1,
            use_dictionary=False,
            column_encoding=_ENCODINGS,
        )
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _summarize(instrument_id: str, paths: list[Path]) -> InstrumentSummary:
    first, last, count = None, None, 0
    for path in paths:
        metadata = pq.ParquetFile(path).metadata
        count += metadata.num_rows
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(0).statistics
            if stats is None or not stats.has_min_max:
                raise ValueError(f"{path}: missing ts statistics")
            first = stats.min if first is None else min(first, stats.min)
            last = stats.max if last is None else max(last, stats.max)
    if first is None or last is None:
        raise ValueError(f"{instrument_id}: stored files hold no rows")
    return InstrumentSummary(instrument_id, int(first), int(last), count)
