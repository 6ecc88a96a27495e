"""Reads candle CSV files: a header layout and Binance klines (12 fields, no header or `open_time,...`).

The header layout names `open, high, low, close, volume` in any case and order plus a time column:
`ts` when present, else the first other column (pandas `DataFrame.to_csv()` writes the index first,
named or blank); further columns (e.g. `Adj Close`) are ignored and reported. Fields are separated by
`,` or `;`. Timestamps are epoch s/ms/us or ISO-8601; ISO without an offset is wall-clock time in
the `tz` zone (UTC by default).

The text is read by Arrow's CSV reader (all fields as text, then vectorised casts); only when
something is wrong is the text scanned again in Python to name the physical line. Parsing problems
(field count, non-numeric values, unreadable timestamps) are raised here; value rules (prices,
intervals, alignment, duplicates) are checked by the importer via `CsvRows.error`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from trading.contexts.market_data.adapters.outbound.arrow_columns import to_numpy
from trading.contexts.market_data.adapters.outbound.csv.csv_text import (
    MAX_LINE_BYTES,
    CsvText,
    csv_line_error,
    read_csv_text,
)
from trading.contexts.market_data.domain.ohlcv import Ohlcv, make_ohlcv
from trading.shared.errors import DomainError

CsvFormat = Literal["auto", "generic", "binance"]
CSV_FORMATS: tuple[CsvFormat, ...] = ("auto", "generic", "binance")
OHLCV_NAMES = ("open", "high", "low", "close", "volume")
TIME_COLUMN = "ts"
BINANCE_FIELDS = 12
BINANCE_HEADER_START = "open_time"

_INTEGER = re.compile(r"^\s*\d{1,18}\s*$")
_EPOCH = datetime(1970, 1, 1)
_HOUR_US = 3_600_000_000
# Epoch integers are told apart by magnitude: below 1e11 seconds, below 1e14 milliseconds, else micro.
_UNIT_BOUNDS = ((10**11, "epoch s", 1_000_000), (10**14, "epoch ms", 1_000), (None, "epoch us", 1))


@dataclass(frozen=True)
class CsvRows:
    """Maps a data row index to its physical line; rescans the text, so it is only used for errors."""

    text: CsvText
    header_rows: int

    def line_of(self, row: int) -> int:
        return _row_lines(self.text)[row + self.header_rows]

    def error(self, row: int, code: str, message: str) -> DomainError:
        return csv_line_error(self.text.path, self.line_of(row), code, message)


@dataclass(frozen=True)
class ParsedCsv:
    """`bars.ts` is UTC ms; `wall_ms` is each row's clock time as written (the local date of a daily
    bar). `naive` tells whether any timestamp was read in the `tz` zone."""

    format: Literal["generic", "binance"]
    bars: Ohlcv
    wall_ms: np.ndarray
    rows: CsvRows
    naive: bool
    ignored_columns: tuple[str, ...]


def read_candle_csv(path: Path, fmt: CsvFormat = "auto", tz: tzinfo = UTC) -> ParsedCsv:
    text = read_csv_text(path)
    first_row, first_line = _first_row(text)
    detected = _detect_format(text, first_row, first_line) if fmt == "auto" else fmt
    ignored: tuple[str, ...] = ()
    if detected == "generic":
        columns, ignored = _header_columns(text, first_row, first_line)
        header_rows, n_fields = 1, len(first_row)
    else:
        columns = list(range(1 + len(OHLCV_NAMES)))
        header_rows, n_fields = int(_is_binance_header(first_row)), BINANCE_FIELDS
    table = _read_text_table(text, n_fields)
    if table.num_rows <= header_rows:
        raise DomainError("invalid_csv", f"{path.name}: the file has a header but no data rows")
    fields = [pc.call_function("utf8_trim_whitespace", [table.column(c).slice(header_rows)]) for c in columns]
    rows = CsvRows(text, header_rows)
    wall_us, utc_us, naive = _timestamps_us(rows, fields[0], tz)
    prices = [_floats(rows, name, column) for name, column in zip(OHLCV_NAMES, fields[1:], strict=True)]
    bars = make_ohlcv(_exact_ms(rows, utc_us), *prices)
    return ParsedCsv(detected, bars, wall_us // 1_000, rows, naive, ignored)


def _rows_with_lines(text: CsvText, prefix_bytes: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """Non-empty rows with the physical line each starts on (empty lines are skipped, as Arrow does);
    `prefix_bytes` reads only the start of the text (its last row may be cut)."""
    data = text.data if prefix_bytes is None else text.data[:prefix_bytes]
    reader = csv.reader(io.StringIO(data.decode("utf-8", errors="ignore"), newline=""), delimiter=text.delimiter)
    line = 1
    for row in reader:
        if row:
            yield line, row
        line = reader.line_num + 1


def _first_row(text: CsvText) -> tuple[list[str], int]:
    """Parsed from the start of the text only (lines are at most MAX_LINE_BYTES), unless it is blank."""
    for prefix in (4 * MAX_LINE_BYTES, None):
        rows = _rows_with_lines(text, prefix)
        first = next(rows, None)
        if first is not None and (prefix is None or next(rows, None) is not None):
            return first[1], first[0]
    raise DomainError("invalid_csv", f"{text.path.name}: the file has no rows")


def _row_lines(text: CsvText) -> list[int]:
    return [line for line, _ in _rows_with_lines(text)]


def _read_text_table(text: CsvText, n_fields: int) -> pa.Table:
    """Every field as text; on a malformed file, name the first row with the wrong number of fields."""
    names = [f"f{i}" for i in range(n_fields)]
    try:
        return pa_csv.read_csv(
            pa.BufferReader(text.data),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(delimiter=text.delimiter),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
    except pa.ArrowInvalid as exc:
        for line, row in _rows_with_lines(text):
            if len(row) != n_fields:
                message = f"expected {n_fields} fields, got {len(row)}"
                raise csv_line_error(text.path, line, "wrong_field_count", message) from None
        raise DomainError("invalid_csv", f"{text.path.name}: {exc}") from None


def _detect_format(text: CsvText, first_row: list[str], line: int) -> Literal["generic", "binance"]:
    if len(first_row) == BINANCE_FIELDS and (_INTEGER.match(first_row[0]) or _is_binance_header(first_row)):
        return "binance"
    if set(OHLCV_NAMES) <= {f.strip().lower() for f in first_row}:
        return "generic"
    raise csv_line_error(
        text.path,
        line,
        "unrecognised_layout",
        f"expected a header naming a time column and {', '.join(OHLCV_NAMES)} (e.g. pandas to_csv output), "
        f"or a {BINANCE_FIELDS}-field Binance kline row",
    )


def _is_binance_header(row: list[str]) -> bool:
    """Recent Binance dumps start with a header row (`open_time,open,...`); older ones have none."""
    return row[0].strip().lower() == BINANCE_HEADER_START


def _header_columns(text: CsvText, header: list[str], line: int) -> tuple[list[int], tuple[str, ...]]:
    """Indices of the time column and open..volume; the names of columns that are not used."""
    names = [f.strip().lower() for f in header]
    repeated = sorted({n for n in names if names.count(n) > 1 and n in (*OHLCV_NAMES, TIME_COLUMN)})
    others = [i for i, name in enumerate(names) if name not in OHLCV_NAMES]
    if repeated or not set(OHLCV_NAMES) <= set(names) or not others:
        raise csv_line_error(
            text.path,
            line,
            "bad_header",
            f"header must name a time column (first column or 'ts') and {', '.join(OHLCV_NAMES)} once each, "
            f"got {','.join(header)}",
        )
    time_index = names.index(TIME_COLUMN) if TIME_COLUMN in names else others[0]
    ignored = tuple(header[i].strip() for i in others if i != time_index)
    return [time_index, *(names.index(name) for name in OHLCV_NAMES)], ignored


def _cast(column: pa.ChunkedArray, arrow_type: pa.DataType) -> pa.ChunkedArray | None:
    try:
        return pc.cast(column, arrow_type)
    except pa.ArrowInvalid:
        return None


def _first_failing_row(column: pa.ChunkedArray, fails: Callable[[pa.ChunkedArray], bool]) -> int:
    """Smallest row r such that `fails(column[: r + 1])`, by bisection (a prefix fails iff it holds a bad row)."""
    lo, hi = 0, len(column) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if fails(column.slice(0, mid + 1)):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _floats(rows: CsvRows, name: str, column: pa.ChunkedArray) -> np.ndarray:
    values = _cast(column, pa.float64())
    if values is None:
        row = _first_failing_row(column, lambda prefix: _cast(prefix, pa.float64()) is None)
        value = column[row].as_py()
        raise rows.error(row, "non_numeric", f"{name} {value!r} is not a number")
    return to_numpy(values, np.dtype(np.float64))


def _timestamps_us(rows: CsvRows, column: pa.ChunkedArray, tz: tzinfo) -> tuple[np.ndarray, np.ndarray, bool]:
    """(wall-clock us, UTC us, any naive) per row. Epoch s/ms/us or ISO-8601 as the first row shows;
    every row must agree."""
    first = column[0].as_py()
    if not _INTEGER.match(first):
        return _iso_us(rows, column.to_pylist(), tz)
    _, unit_name, micros_per_unit = _UNIT_BOUNDS[_unit_index(np.array([int(first)]))[0]]
    integers = _cast(column, pa.int64())
    if integers is None:
        row = _first_failing_row(column, lambda prefix: _cast(prefix, pa.int64()) is None)
        raise _not_in_unit(rows, column[row].as_py(), row, unit_name)
    raw = to_numpy(integers, np.dtype(np.int64))
    mismatched = np.flatnonzero((_unit_index(raw) != _unit_index(raw[:1])[0]) | (raw < 0))
    if mismatched.size:
        row = int(mismatched[0])
        raise _not_in_unit(rows, column[row].as_py(), row, unit_name)
    micros = raw * micros_per_unit
    return micros, micros, False


def _unit_index(raw: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array([bound for bound, _, _ in _UNIT_BOUNDS[:-1]]), raw, side="right")


def _not_in_unit(rows: CsvRows, value: str, row: int, unit_name: str) -> DomainError:
    message = f"ts {value!r} is not {unit_name} like the first row (line {rows.line_of(0)})"
    return rows.error(row, "bad_timestamp", message)


def _exact_ms(rows: CsvRows, micros: np.ndarray) -> np.ndarray:
    """Microseconds to ms; a sub-millisecond part can never be a bar boundary, so it fails here."""
    inexact = np.flatnonzero(micros % 1_000)
    if inexact.size:
        raise rows.error(int(inexact[0]), "ts_not_minute_aligned", "timestamp is not on a whole UTC minute")
    return micros // 1_000


def _iso_us(rows: CsvRows, values: list[str], tz: tzinfo) -> tuple[np.ndarray, np.ndarray, bool]:
    wall = np.empty(len(values), dtype=np.int64)
    offset = np.zeros(len(values), dtype=np.int64)
    naive = np.zeros(len(values), dtype=bool)
    for row, value in enumerate(values):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise rows.error(row, "bad_timestamp", f"ts {value!r} is not epoch s/ms/us or ISO-8601") from None
        shift = moment.utcoffset()
        naive[row] = shift is None
        offset[row] = 0 if shift is None else shift // timedelta(microseconds=1)
        wall[row] = (moment.replace(tzinfo=None) - _EPOCH) // timedelta(microseconds=1)
    if naive.any():
        offset[naive] = _zone_offsets_us(wall[naive], tz)
    return wall, wall - offset, bool(naive.any())


def _zone_offsets_us(wall_us: np.ndarray, tz: tzinfo) -> np.ndarray:
    """UTC offset of `tz` at each wall-clock time, looked up once per distinct hour (zones change on
    whole hours); an ambiguous or skipped hour at a DST change takes the earlier offset (fold=0)."""
    if tz is UTC:
        return np.zeros_like(wall_us)
    hours, inverse = np.unique(wall_us // _HOUR_US, return_inverse=True)
    offsets = np.array(
        [
            (_EPOCH + timedelta(hours=int(h))).replace(tzinfo=tz).utcoffset() // timedelta(microseconds=1)  # type: ignore[operator]
            for h in hours
        ],
        dtype=np.int64,
    )
    return offsets[inverse]
