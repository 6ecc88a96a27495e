from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import import_candle_csv
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.shared.errors import DomainError

T0 = 1_704_067_200_000  # 2024-01-01T00:00Z
M = 60_000
ROWS = [(100.0, 101.0, 99.0, 100.5, 10.0), (100.5, 102.0, 100.0, 101.0, 0.0), (101.0, 101.5, 100.5, 101.2, 2.5)]


def _generic(ts: list[str], header: str = "ts,open,high,low,close,volume") -> str:
    body = [f"{t},{o},{h},{lo},{c},{v}" for t, (o, h, lo, c, v) in zip(ts, ROWS, strict=True)]
    return "\n".join([header, *body]) + "\n"


def _binance(open_times: list[int]) -> str:
    lines = [
        f"{t},{o},{h},{lo},{c},{v},{t + M - 1},{v * c},42,{v / 2},{v * c / 2},0"
        for t, (o, h, lo, c, v) in zip(open_times, ROWS, strict=True)
    ]
    return "\n".join(lines) + "\n"


def _import(store: CandleStore, markets: MarketCatalog, tmp_path: Path, text: str, fmt: str = "auto") -> str:
    path = tmp_path / "candles.csv"
    path.write_text(text)
    return import_candle_csv(store, markets, "1:BTCUSDT", path, fmt).source  # type: ignore[arg-type]


GOLDEN = [
    ("generic epoch ms", _generic([str(T0 + k * M) for k in range(3)]), "csv:generic"),
    ("generic epoch s", _generic([str(T0 // 1000 + k * 60) for k in range(3)]), "csv:generic"),
    (
        "generic ISO Z and offsets",
        _generic(["2024-01-01T00:00:00Z", "2024-01-01T02:01:00+02:00", "2024-01-01 00:02:00.000+00:00"]),
        "csv:generic",
    ),
    ("generic reordered header", _generic([str(T0 + k * M) for k in range(3)]), "csv:generic"),
    (
        "CRLF, blank lines, padded and quoted fields",
        _generic([f" {T0 + k * M} " for k in range(3)]).replace(",", ' , ').replace("\n", "\r\n\r\n", 1)
        .replace(" 100.5 ,", '"100.5",'),
        "csv:generic",
    ),
    ("binance ms", _binance([T0 + k * M for k in range(3)]), "csv:binance"),
    ("binance us", _binance([(T0 + k * M) * 1000 for k in range(3)]), "csv:binance"),
    (
        "binance with header",
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
        "taker_buy_quote_volume,ignore\n" + _binance([T0 + k * M for k in range(3)]),
        "csv:binance",
    ),
]


@pytest.mark.parametrize(("case", "text", "source"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_imports(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path, case: str, text: str, source: str
) -> None:
    assert _import(store, markets, tmp_path, text) == source
    bars = store.read_bars("1:BTCUSDT", 0, 2**62)
    assert bars["ts"].tolist() == [T0, T0 + M, T0 + 2 * M]
    expected = np.array(ROWS)
    for column, name in enumerate(("open", "high", "low", "close", "volume")):
        assert bars[name].tolist() == expected[:, column].tolist()


def test_explicit_format_and_reordered_columns(store: CandleStore, markets: MarketCatalog, tmp_path: Path) -> None:
    text = "volume,ts,close,low,high,open\n2.0,1704067200000,10.5,9.5,11.0,10.0\n"
    assert _import(store, markets, tmp_path, text, "generic") == "csv:generic"
    bars = store.read_bars("1:BTCUSDT", 0, 2**62)
    assert [bars[n][0] for n in ("open", "high", "low", "close", "volume")] == [10.0, 11.0, 9.5, 10.5, 2.0]


def _replace(text: str, line: int, new_line: str) -> str:
    lines = text.splitlines()
    lines[line - 1] = new_line
    return "\n".join(lines) + "\n"


BASE = _generic([str(T0 + k * M) for k in range(3)])
BAD = [
    ("non_numeric", _replace(BASE, 3, f"{T0 + M},100.5,abc,100,101,0"), 3, "high 'abc' is not a number"),
    ("high_below_open_close", _replace(BASE, 4, f"{T0 + 2 * M},101,101.1,100,101.2,1"), 4, "high is below"),
    ("low_above_open_close", _replace(BASE, 2, f"{T0},100,101,100.2,100.5,1"), 2, "low is above"),
    ("negative_volume", _replace(BASE, 3, f"{T0 + M},100.5,102,100,101,-0.5"), 3, "volume is negative"),
    (
        "not_on_timeframe",
        _replace(BASE, 4, f"{T0 + 2 * M + 1000},101,101.5,100.5,101.2,2.5"),
        4,
        "not on a whole 1m UTC boundary",
    ),
    ("duplicate_ts", _replace(BASE, 4, f"{T0},101,101.5,100.5,101.2,2.5"), 4, "appears earlier"),
    ("non_finite", _replace(BASE, 2, f"{T0},nan,101,99,100.5,10"), 2, "not a finite number"),
    ("wrong_field_count", _replace(BASE, 3, f"{T0 + M},100.5,102,100,101"), 3, "expected 6 fields, got 5"),
    ("bad_timestamp", _replace(BASE, 3, "2024-01-01T00:01:00,100.5,102,100,101,0"), 3, "not epoch ms like"),
    ("bad_timestamp", _replace(BASE, 4, f"{T0 // 1000 + 120},101,101.5,100.5,101.2,2.5"), 4, "not epoch ms like"),
    ("bad_timestamp", _generic(["2024-01-01T00:00:00Z", str(T0 + M), "x"]), 3, "is not epoch s/ms/us or ISO"),
    ("bad_timestamp", _generic(["2024-01-01T00:00:00Z", "2024-01-01T00:01:00", "x"]), 4, "is not epoch s/ms/us"),
    ("bad_header", _replace(BASE, 1, "time,open,high,low,close,vol"), 1, "expected a header"),
    (
        "ts_not_minute_aligned",
        _binance([T0 * 1000, (T0 + M) * 1000 + 5, (T0 + 2 * M) * 1000]),
        2,
        "whole UTC minute",
    ),
    ("low_above_open_close", _binance([T0, T0 + M, T0 + 2 * M]).replace(",99.0,", ",100.2,"), 1, "low is above"),
]


@pytest.mark.parametrize(("reason", "text", "line", "message"), BAD, ids=[f"{b[0]}-line{b[2]}" for b in BAD])
def test_bad_row_fails_whole_import_naming_line_and_writes_nothing(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path, reason: str, text: str, line: int, message: str
) -> None:
    store.write_1m("1:BTCUSDT", *(np.array([v]) for v in (T0 + M, 1.0, 1.0, 1.0, 1.0, 1.0)))
    before = store.read_bars("1:BTCUSDT", 0, 2**62)
    with pytest.raises(DomainError) as caught:
        _import(store, markets, tmp_path, text)
    error = caught.value
    assert error.code == "invalid_csv" and error.status == 422
    assert f"line {line}:" in error.message and message in error.message
    expected_reason = "unrecognised_layout" if reason == "bad_header" else reason
    assert error.payload()["error"]["line"] == line and error.payload()["error"]["reason"] == expected_reason
    after = store.read_bars("1:BTCUSDT", 0, 2**62)
    assert after["ts"].tolist() == before["ts"].tolist() and after["close"].tolist() == [1.0]


def test_earliest_bad_row_wins_and_line_numbers_count_blank_lines(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path
) -> None:
    text = BASE.replace("\n", "\n\n", 1)  # blank line 2: data now on lines 3..5
    text = _replace(text, 5, f"{T0 + 2 * M},101,101.5,100.5,101.2,-1")
    text = _replace(text, 4, f"{T0 + M},100.5,99,100,101,0")
    with pytest.raises(DomainError, match=r"line 4: high is below"):
        _import(store, markets, tmp_path, text)


def test_empty_and_header_only_files(store: CandleStore, markets: MarketCatalog, tmp_path: Path) -> None:
    with pytest.raises(DomainError, match="no rows"):
        _import(store, markets, tmp_path, "\n")
    with pytest.raises(DomainError, match="header but no data rows"):
        _import(store, markets, tmp_path, "ts,open,high,low,close,volume\n")
    with pytest.raises(DomainError, match="header must name a time column"):
        _import(store, markets, tmp_path, "ts,open,high,low,close\n1,2,3,4,5\n", "generic")
    assert store.list_instruments() == []


def test_unconfigured_market_is_refused_before_reading(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path
) -> None:
    with pytest.raises(DomainError) as caught:
        import_candle_csv(store, markets, "7:BTCUSDT", tmp_path / "missing.csv")
    assert caught.value.code == "unknown_instrument"
