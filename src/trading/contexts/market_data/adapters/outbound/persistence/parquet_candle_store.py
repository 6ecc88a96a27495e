"""Embedded candle store: one Parquet file per instrument and UTC month, at the instrument's base timeframe.

Layout: `<data_dir>/candles_<base>/<market_id>/<SYMBOL>/<YYYY-MM>.parquet`, rows sorted by unique `ts`
(bar open time). The base is 1m for intraday data (the original layout, `candles_1m/`), or the coarser
interval a file actually has (`candles_1h/`, `candles_1d/`); one instrument has exactly one base.
A range read opens only the month files it overlaps. A write replaces all the months it touches as one
commit (`month_commit`): after a crash at any point every month holds the old or the new data, and
the next open of the store finishes or drops the interrupted write.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trading.contexts.market_data.adapters.outbound.arrow_columns import to_arrow, to_numpy
from trading.contexts.market_data.adapters.outbound.persistence.month_commit import (
    commit_files,
    instrument_lock,
    needs_recovery,
    recover,
)
from trading.contexts.market_data.domain.instrument_id import InstrumentId
from trading.contexts.market_data.domain.ohlcv import (
    COLUMNS,
    Ohlcv,
    concat,
    make_ohlcv,
    take,
)
from trading.contexts.market_data.domain.timeline import TIMEFRAMES
from trading.shared.errors import DomainError

DATA_DIR_VAR = "TRADING_DATA_DIR"
_NUMPY_TYPES = {name: np.dtype(np.int64 if name == "ts" else np.float64) for name in COLUMNS}
_ENCODINGS = {name: "DELTA_BINARY_PACKED" if name == "ts" else "BYTE_STREAM_SPLIT" for name in COLUMNS}
_SCHEMA = pa.schema([(name, pa.from_numpy_dtype(dtype)) for name, dtype in _NUMPY_TYPES.items()])


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_VAR) or "data")


@dataclass(frozen=True)
class InstrumentSummary:
    """`problem` is set (and the numbers are 0) when the stored files cannot be summarised."""

    instrument_id: str
    timeframe: str
    first_ts_ms: int
    last_ts_ms: int
    count: int
    problem: str | None = None

    @property
    def missing_bars(self) -> int:
        """Base-timeframe slots between the first and last bar that have no bar (for a sessions market
        this includes closed hours)."""
        if self.count == 0:
            return 0
        return (self.last_ts_ms - self.first_ts_ms) // TIMEFRAMES[self.timeframe] + 1 - self.count


@dataclass(frozen=True)
class _MonthFile:
    path: Path
    start_ms: int
    end_ms: int


class CandleStore:
    def __init__(self, data_dir: Path | str) -> None:
        """Opening the store finishes or drops writes a killed process left behind."""
        self.data_dir = Path(data_dir)
        for directory in self.data_dir.glob("candles_*/*/*"):
            if directory.is_dir() and needs_recovery(directory):
                recover(directory)

    def base_timeframe(self, instrument_id: str) -> str | None:
        """The timeframe the instrument is stored at, or None when nothing is stored."""
        instrument = InstrumentId.parse(instrument_id)
        for timeframe in TIMEFRAMES:
            if self._month_files(instrument, timeframe):
                return timeframe
        return None

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
        """`write_bars` at the 1m base."""
        return self.write_bars(instrument_id, "1m", make_ohlcv(ts_ms, open, high, low, close, volume))

    def write_bars(self, instrument_id: str, timeframe: str, bars: Ohlcv) -> int:
        """Upsert bars by ts (stored bars written again are replaced) as one commit; returns rows written.

        Refuses (409 `timeframe_mismatch`) an instrument already stored at another base timeframe.
        """
        instrument = InstrumentId.parse(instrument_id)
        ts = bars["ts"]
        if ts.shape[0] == 0:
            return 0
        if np.any(ts % TIMEFRAMES[timeframe]):
            raise ValueError(f"write_bars: every ts must be on a whole {timeframe} UTC boundary")
        bars = take(bars, np.argsort(ts, kind="stable"))
        if np.any(np.diff(bars["ts"]) == 0):
            raise ValueError("write_bars: duplicate ts in one write")
        stored = self.base_timeframe(instrument_id)
        if stored is not None and stored != timeframe:
            raise DomainError(
                "timeframe_mismatch",
                f"{instrument_id} is stored at {stored}; these bars are {timeframe} "
                f"(one instrument has one base timeframe: import {stored} bars or use another symbol)",
                status=409,
                extra={"base_timeframe": stored},
            )
        directory = self._instrument_dir(instrument, timeframe)
        months = bars["ts"].astype("datetime64[ms]").astype("datetime64[M]")
        starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
        with instrument_lock(directory):
            writes: dict[str, Callable[[Path], None]] = {}
            for lo, hi in zip(starts, np.r_[starts[1:], months.shape[0]], strict=True):
                month = take(bars, slice(int(lo), int(hi)))
                name = f"{months[lo]}.parquet"
                if (directory / name).exists():
                    month = _upsert(_read_file(directory / name), month)
                writes[name] = _month_writer(month)
            commit_files(directory, writes)
        return int(ts.shape[0])

    def read_bars(self, instrument_id: str, start_ms: int, end_ms: int) -> Ohlcv:
        """Stored base bars with `start_ms <= ts < end_ms` (fresh writable arrays); only month files
        overlapping the range are opened."""
        parts = []
        for month in self._stored_months(instrument_id):
            if month.end_ms > start_ms and month.start_ms < end_ms:
                bars = _read_file(month.path)
                lo, hi = np.searchsorted(bars["ts"], [start_ms, end_ms])
                parts.append(take(bars, slice(int(lo), int(hi))))
        return concat(parts)

    def bars_before(self, instrument_id: str, ts_ms: int, count: int) -> Ohlcv:
        """The last `count` stored base bars with ts < `ts_ms` (fewer when the data starts later)."""
        parts: list[Ohlcv] = []
        needed = count
        for month in reversed(self._stored_months(instrument_id)):
            if needed <= 0:
                break
            if month.start_ms < ts_ms:
                bars = _read_file(month.path)
                position = int(np.searchsorted(bars["ts"], ts_ms))
                parts.append(take(bars, slice(max(0, position - needed), position)))
                needed -= min(needed, position)
        return concat(parts[::-1])

    def last_close_before(self, instrument_id: str, ts_ms: int) -> float | None:
        last = self.bars_before(instrument_id, ts_ms, 1)
        return float(last["close"][0]) if last["ts"].shape[0] else None

    def data_span(self, instrument_id: str) -> tuple[int, int] | None:
        """Open times of the first and last stored bar, from Parquet metadata only."""
        months = self._stored_months(instrument_id)
        if not months:
            return None
        first, last, _ = _ts_span([m.path for m in months])
        return first, last

    def has_instrument(self, instrument_id: str) -> bool:
        return self.base_timeframe(instrument_id) is not None

    def list_instruments(self) -> list[InstrumentSummary]:
        """Every stored instrument with base timeframe, first/last bar and count, from Parquet metadata
        only (no data read). Never raises for what is on disk: an unreadable instrument carries a
        `problem`, directories that are not instruments are skipped."""
        summaries = []
        for timeframe in TIMEFRAMES:
            for symbol_dir in sorted(self.data_dir.glob(f"candles_{timeframe}/*/*")):
                try:
                    instrument = InstrumentId.parse(f"{symbol_dir.parent.name}:{symbol_dir.name}")
                except DomainError:
                    continue
                months = self._month_files(instrument, timeframe)
                if months:
                    summaries.append(_summarize_or_problem(str(instrument), timeframe, [m.path for m in months]))
        return sorted(summaries, key=lambda s: (InstrumentId.parse(s.instrument_id), s.timeframe))

    def _instrument_dir(self, instrument: InstrumentId, timeframe: str) -> Path:
        return self.data_dir / f"candles_{timeframe}" / str(instrument.market_id) / instrument.symbol

    def _stored_months(self, instrument_id: str) -> list[_MonthFile]:
        instrument = InstrumentId.parse(instrument_id)
        timeframe = self.base_timeframe(instrument_id)
        return [] if timeframe is None else self._month_files(instrument, timeframe)

    def _month_files(self, instrument: InstrumentId, timeframe: str) -> list[_MonthFile]:
        directory = self._instrument_dir(instrument, timeframe)
        months = []
        for path in sorted(directory.glob("????-??.parquet")):
            try:
                start = np.datetime64(path.stem, "M")
            except ValueError:
                continue
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


def _month_writer(bars: Ohlcv) -> Callable[[Path], None]:
    """Float columns byte-stream-split + zstd(1), ts delta-encoded: small files at near-raw write speed."""
    table = pa.Table.from_arrays([to_arrow(bars[name]) for name in COLUMNS], schema=_SCHEMA)

    def write(path: Path) -> None:
        pq.write_table(
            table,
            path,
            compression="zstd",
            compression_level=1,
            use_dictionary=False,
            column_encoding=_ENCODINGS,
        )

    return write


def _summarize_or_problem(instrument_id: str, timeframe: str, paths: list[Path]) -> InstrumentSummary:
    try:
        first, last, count = _ts_span(paths)
    except (OSError, ValueError, pa.ArrowException) as exc:
        return InstrumentSummary(instrument_id, timeframe, 0, 0, 0, problem=f"unreadable: {exc}")
    return InstrumentSummary(instrument_id, timeframe, first, last, count)


def _ts_span(paths: list[Path]) -> tuple[int, int, int]:
    """First and last ts and the row count of month files, from their Parquet metadata."""
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
        raise ValueError(f"{paths[0].parent}: stored files hold no rows")
    return int(first), int(last), count
