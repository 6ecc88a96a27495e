"""The bytes of a candle CSV, checked to be text before any CSV parser sees them.

A CSV parser fed a binary file, UTF-16 or a 10 MB field fails deep inside with no line number;
these checks name the file and line instead. The separator is `,` or `;`, whichever the first line
uses more.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trading.shared.errors import DomainError, ErrorDetail

MAX_LINE_BYTES = 4096  # a candle row is ~100 bytes; anything far longer is not a candle row
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_NEWLINE = ord("\n")


@dataclass(frozen=True)
class CsvText:
    path: Path
    data: bytes  # UTF-8 (BOM removed)
    delimiter: str


def csv_line_error(path: Path, line: int, code: str, message: str) -> DomainError:
    """The import error: names the file, the 1-based line and the reason."""
    return DomainError(
        "invalid_csv",
        f"{path.name} line {line}: {message}",
        details=[ErrorDetail(path=f"line {line}", code=code, message=message)],
        extra={"line": line, "reason": code},
    )


def read_csv_text(path: Path) -> CsvText:
    data = path.read_bytes()
    if data.startswith(_UTF16_BOMS):
        raise csv_line_error(path, 1, "not_utf8", "the file is UTF-16; save it as UTF-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    raw = np.frombuffer(data, dtype=np.uint8)
    nul = np.flatnonzero(raw == 0)
    if nul.size:
        line = data.count(b"\n", 0, int(nul[0])) + 1
        raise csv_line_error(path, line, "binary", "the file holds binary data (a NUL byte), not CSV text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise csv_line_error(path, line, "not_utf8", f"byte 0x{data[exc.start]:02x} is not UTF-8 text") from None
    _check_line_lengths(path, raw)
    first_line = data.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    return CsvText(path, data, delimiter)


def _check_line_lengths(path: Path, raw: np.ndarray) -> None:
    ends = np.r_[np.flatnonzero(raw == _NEWLINE), raw.shape[0]]
    lengths = np.diff(np.r_[-1, ends]) - 1
    too_long = np.flatnonzero(lengths > MAX_LINE_BYTES)
    if too_long.size:
        row = int(too_long[0])
        message = f"the line is {int(lengths[row]):,} bytes long; a candle row has at most {MAX_LINE_BYTES:,}"
        raise csv_line_error(path, row + 1, "line_too_long", message)
