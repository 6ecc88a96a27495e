"""Files that are not candle CSV text at all: each is a line-numbered `invalid_csv` (422) naming the
file, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import import_candle_csv
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.shared.errors import DomainError

HEADER = "ts,open,high,low,close,volume\n"
GOOD = "1704067200000,1,1,1,1,1\n1704067260000,1,1,1,1,1\n"

HOSTILE: list[tuple[str, bytes, int, str, str]] = [
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, "binary", "NUL byte"),
    ("utf16", (HEADER + GOOD).encode("utf-16"), 1, "not_utf8", "UTF-16"),
    ("latin1", (HEADER + GOOD + "1704067320000,1,1,1,1,1 caf\xe9\n").encode("latin-1"), 4, "not_utf8", "0xe9"),
    (
        "huge field",
        (HEADER + GOOD + "1704067320000," + "9" * 10_000_000 + ",1,1,1,1\n").encode(),
        4,
        "line_too_long",
        "10,000,022 bytes long",
    ),
    (
        "year 33658 in us",
        (HEADER + GOOD + "1000000000000000000,1,1,1,1,1\n").encode(),
        4,
        "bad_timestamp",
        "not epoch ms like the first row",
    ),
    (
        "year 2200 ISO",
        (HEADER + "2024-01-01T00:00:00Z,1,1,1,1,1\n2200-01-01T00:00:00Z,1,1,1,1,1\n").encode(),
        3,
        "ts_out_of_range",
        "outside 1970..2100",
    ),
    ("year 1960 ISO", (HEADER + "1960-01-01T00:00:00Z,1,1,1,1,1\n").encode(), 2, "ts_out_of_range", "1970..2100"),
    (
        "far future us",
        (HEADER + "4200000000000000,1,1,1,1,1\n4200000060000000,1,1,1,1,1\n").encode(),
        2,
        "ts_out_of_range",
        "1970..2100",
    ),
]


@pytest.mark.parametrize(("content", "line", "reason", "text"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_file_is_a_line_numbered_422_and_writes_nothing(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path, content: bytes, line: int, reason: str, text: str
) -> None:
    path = tmp_path / "hostile.csv"
    path.write_bytes(content)
    with pytest.raises(DomainError) as caught:
        import_candle_csv(store, markets, "1:BTCUSDT", path)
    error = caught.value
    assert (error.code, error.status, error.extra) == ("invalid_csv", 422, {"line": line, "reason": reason})
    assert error.message.startswith(f"hostile.csv line {line}: ") and text in error.message
    assert len(error.message) < 300
    assert store.list_instruments() == []
