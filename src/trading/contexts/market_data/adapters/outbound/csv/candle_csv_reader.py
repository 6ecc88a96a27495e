"""Reads candle CSV files: generic `ts,open,high,low,close,volume` (header) and Binance klines
(12 fields, no header or an `open_time,...` header).

Parsing problems (field count, non-numeric values, unreadable timestamps) are raised here with the
file's line number; value rules (high/low/volume/alignment/duplicates) are checked by the importer.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np

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
class ParsedCsv:
    format: Literal["generic", "binance"]
    bars: Ohlcv
    line_numbers: np.ndarray


def csv_row_error(path: Path, line: int, code: str, message: str) -> DomainError:
    """The import error: names the file, the 1-based line and the reason."""
    return DomainError(
        "invalid_csv",
        f"{path.name} line {line}: {message}",
        details=[ErrorDetail(path=f"line {line}", code=code, message=message)],
        extra={"line": line, "reason": code},
    )


def read_candle_csv(path: Path, fmt: CsvFormat = "auto") -> ParsedCsv:
    rows, lines = _read_rows(path)
    if not rows:
        raise DomainError("invalid_csv", f"{path.name}: the file has no rows")
    detected = _detect_format(path, rows[0], lines[0]) if fmt == "auto" else fmt
    if detected == "generic":
        columns = _generic_columns(path, rows[0], lines[0])
        rows, lines = rows[1:], lines[1:]
        expected = len(GENERIC_HEADER)
    else:
        columns = list(range(len(GENERIC_HEADER)))
        expected = BINANCE_FIELDS
        if _is_binance_header(rows[0]):
            rows, lines = rows[1:], lines[1:]
    if not rows:
        raise DomainError("invalid_csv", f"{path.name}: the file has a header but no data rows")
    for row, line in zip(rows, lines, strict=True):
        if len(row) != expected:
            raise csv_row_error(path, line, "wrong_field_count", f"expected {expected} fields, got {len(row)}")
    line_numbers = np.asarray(lines, dtype=np.int64)
    fields = [[row[c] for row in rows] for c in columns]
    ts = _timestamps_ms(path, fields[0], line_numbers)
    prices = [
        _floats(path, name, values, line_numbers)
        for name, values in zip(GENERIC_HEADER[1:], fields[1:], strict=True)
    ]
    return ParsedCsv(detected, make_ohlcv(ts, *prices), line_numbers)


def _read_rows(path: Path) -> tuple[list[list[str]], list[int]]:
    """Non-blank rows with the physical line each one starts on."""
    rows: list[list[str]] = []
    lines: list[int] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        line = 1
        for row in reader:
            if any(field.strip() for field in row):
                rows.append(row)
                lines.append(line)
            line = reader.line_num + 1
    return rows, lines


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


def _floats(path: Path, name: str, values: list[str], lines: np.ndarray) -> np.ndarray:
    try:
        return np.array(values, dtype=np.float64)
    except ValueError:
        for value, line in zip(values, lines, strict=True):
            try:
                float(value)
            except ValueError:
                raise csv_row_error(path, int(line), "non_numeric", f"{name} {value!r} is not a number") from None
        raise


def _timestamps_ms(path: Path, values: list[str], lines: np.ndarray) -> np.ndarray:
    """Epoch s/ms/us or ISO-8601 with offset, as the first row shows; every row must agree. Result in ms."""
    if not _INTEGER.match(values[0]):
        micros = [_iso_micros(path, v, int(line)) for v, line in zip(values, lines, strict=True)]
        return _exact_ms(path, np.array(micros, dtype=np.int64), lines)
    is_integer = np.array([_INTEGER.match(v) is not None for v in values], dtype=bool)
    raw = np.array([int(v) if ok else 0 for v, ok in zip(values, is_integer, strict=True)], dtype=np.int64)
    unit = np.searchsorted(np.array([bound for bound, _, _ in _UNIT_BOUNDS[:-1]]), raw, side="right")
    _, unit_name, micros_per_unit = _UNIT_BOUNDS[int(unit[0])]
    mismatched = np.flatnonzero(~is_integer | (unit != unit[0]))
    if mismatched.size:
        row = int(mismatched[0])
        raise csv_row_error(
            path,
            int(lines[row]),
            "bad_timestamp",
            f"ts {values[row].strip()!r} is not {unit_name} like the first row (line {lines[0]})",
        )
    return _exact_ms(path, raw * micros_per_unit, lines)


def _exact_ms(path: Path, micros: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Microseconds to ms; a sub-millisecond part can never be a minute boundary, so it fails here."""
    inexact = np.flatnonzero(micros % 1_000)
    if inexact.size:
        raise csv_row_error(
            path, int(lines[inexact[0]]), "ts_not_minute_aligned", "timestamp is not on a whole UTC minute"
        )
    return micros // 1_000


def _iso_micros(path: Path, value: str, line: int) -> int:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise csv_row_error(
            path, line, "bad_timestamp", f"ts {value!r} is not epoch s/ms/us or ISO-8601"
        ) from None
    if moment.tzinfo is None:
        raise csv_row_error(path, line, "bad_timestamp", f"ts {value!r} has no UTC offset (add Z or +00:00)")
    return (moment - _EPOCH) // timedelta(microseconds=1)
