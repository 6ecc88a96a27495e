"""Reads candle CSV files: generic `ts,open,high,low,close,volume` (header) and Binance klines
(12 fields, no header or an `open_time,...` header).

The file is read by Arrow's CSV reader (all fields as text, then vectorised casts); only when
something is wrong is the file scanned again in Python to name the physical line. Parsing problems
(field count, non-numeric values, unreadable timestamps) are raised here; value rules
(high/low/volume/alignment/duplicates) are checked by the importer via `ParsedCsv.line_of`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from trading.contexts.market_data.adapters.outbound.arrow_columns import to_numpy
from trading.contexts.market_data.domain.ohlcv import Ohlcv, make_ohlcv
from trading.shared.errors import DomainError, ErrorDetail

CsvFormat = Literal["auto", "generic", "binance"]
CSV_FORMATS: tuple[CsvFormat, ...] = ("auto", "generic", "binance")
GENERIC_HEADER = ("ts", "open", "high", "low", "close", "volume")
BINANCE_FIELDS = 12
BINANCE_HEADER_START = "open_time"

_INTEGER = re.compile(r"^\s*\d{1,18}\s*$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Epoch integers are told apart by magnitude: below 1e11 seconds, below 1e14 milliseconds, else micro.
_UNIT_BOUNDS = ((10**11, "epoch s", 1_000_000), (10**14, "epoch ms", 1_000), (None, "epoch us", 1))


@dataclass(frozen=True)
class CsvRows:
    """Maps a data row index to its physical line; rescans the file, so it is only used for errors."""

    path: Path
    header_rows: int

    def line_of(self, row: int) -> int:
        return _row_lines(self.path)[row + self.header_rows]

    def error(self, row: int, code: str, message: str) -> DomainError:
        return csv_row_error(self.path, self.line_of(row), code, message)


@dataclass(frozen=True)
class ParsedCsv:
    format: Literal["generic", "binance"]
    bars: Ohlcv
    rows: CsvRows


def csv_row_error(path: Path, line: int, code: str, message: str) -> DomainError:
    """The import error: names the file, the 1-based line and the reason."""
    return DomainError(
        "invalid_csv",
        f"{path.name} line {line}: {message}",
        details=[ErrorDetail(path=f"line {line}", code=code, message=message)],
        extra={"line": line, "reason": code},
    )


def read_candle_csv(path: Path, fmt: CsvFormat = "auto") -> ParsedCsv:
    first_row, first_line = _first_row(path)
    detected = _detect_format(path, first_row, first_line) if fmt == "auto" else fmt
    if detected == "generic":
        columns = _generic_columns(path, first_row, first_line)
        header_rows, n_fields = 1, len(GENERIC_HEADER)
    else:
        columns = list(range(len(GENERIC_HEADER)))
        header_rows, n_fields = int(_is_binance_header(first_row)), BINANCE_FIELDS
    table = _read_text_table(path, n_fields)
    if table.num_rows <= header_rows:
        raise DomainError("invalid_csv", f"{path.name}: the file has a header but no data rows")
    text = [pc.call_function("utf8_trim_whitespace", [table.column(c).slice(header_rows)]) for c in columns]
    rows = CsvRows(path, header_rows)
    ts = _timestamps_ms(rows, text[0])
    prices = [_floats(rows, name, column) for name, column in zip(GENERIC_HEADER[1:], text[1:], strict=True)]
    return ParsedCsv(detected, make_ohlcv(ts, *prices), rows)


def _rows_with_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-empty rows with the physical line each starts on (empty lines are skipped, as Arrow does)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        line = 1
        for row in reader:
            if row:
                yield line, row
            line = reader.line_num + 1


def _first_row(path: Path) -> tuple[list[str], int]:
    for line, row in _rows_with_lines(path):
        return row, line
    raise DomainError("invalid_csv", f"{path.name}: the file has no rows")


def _row_lines(path: Path) -> list[int]:
    return [line for line, _ in _rows_with_lines(path)]


def _read_text_table(path: Path, n_fields: int) -> pa.Table:
    """Every field as text; on a malformed file, name the first row with the wrong number of fields."""
    names = [f"f{i}" for i in range(n_fields)]
    try:
        return pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(column_names=names),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
    except pa.ArrowInvalid as exc:
        for line, row in _rows_with_lines(path):
            if len(row) != n_fields:
                message = f"expected {n_fields} fields, got {len(row)}"
                raise csv_row_error(path, line, "wrong_field_count", message) from None
        raise DomainError("invalid_csv", f"{path.name}: {exc}") from None


def _detect_format(path: Path, first_row: list[str], line: int) -> Literal["generic", "binance"]:
    if {f.strip().lower() for f in first_row} == set(GENERIC_HEADER):
        return "generic"
    if len(first_row) == BINANCE_FIELDS and (_INTEGER.match(first_row[0]) or _is_binance_header(first_row)):
        return "binance"
    raise csv_row_error(
        path,
        line,
        "unrecognised_layout",
        f"expected a header '{','.join(GENERIC_HEADER)}' or a {BINANCE_FIELDS}-field Binance kline row",
    )


def _is_binance_header(row: list[str]) -> bool:
    """Recent Binance dumps start with a header row (`open_time,open,...`); older ones have none."""
    return row[0].strip().lower() == BINANCE_HEADER_START


def _generic_columns(path: Path, header: list[str], line: int) -> list[int]:
    names = [f.strip().lower() for f in header]
    if sorted(names) != sorted(GENERIC_HEADER):
        raise csv_row_error(
            path, line, "bad_header", f"header must name exactly {','.join(GENERIC_HEADER)}, got {','.join(header)}"
        )
    return [names.index(name) for name in GENERIC_HEADER]


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


def _timestamps_ms(rows: CsvRows, column: pa.ChunkedArray) -> np.ndarray:
    """Epoch s/ms/us or ISO-8601 with offset, as the first row shows; every row must agree. Result in ms."""
    first = column[0].as_py()
    if not _INTEGER.match(first):
        micros = [_iso_micros(rows, value, row) for row, value in enumerate(column.to_pylist())]
        return _exact_ms(rows, np.array(micros, dtype=np.int64))
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
    return _exact_ms(rows, raw * micros_per_unit)


def _unit_index(raw: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array([bound for bound, _, _ in _UNIT_BOUNDS[:-1]]), raw, side="right")


def _not_in_unit(rows: CsvRows, value: str, row: int, unit_name: str) -> DomainError:
    message = f"ts {value!r} is not {unit_name} like the first row (line {rows.line_of(0)})"
    return rows.error(row, "bad_timestamp", message)


def _exact_ms(rows: CsvRows, micros: np.ndarray) -> np.ndarray:
    """Microseconds to ms; a sub-millisecond part can never be a minute boundary, so it fails here."""
    inexact = np.flatnonzero(micros % 1_000)
    if inexact.size:
        raise rows.error(int(inexact[0]), "ts_not_minute_aligned", "timestamp is not on a whole UTC minute")
    return micros // 1_000


def _iso_micros(rows: CsvRows, value: str, row: int) -> int:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise rows.error(row, "bad_timestamp", f"ts {value!r} is not epoch s/ms/us or ISO-8601") from None
    if moment.tzinfo is None:
        raise rows.error(row, "bad_timestamp", f"ts {value!r} has no UTC offset (add Z or +00:00)")
    return (moment - _EPOCH) // timedelta(microseconds=1)
