"""Native base timeframes: detected or given at import, refused when inconsistent, rolled up on read,
and sessions markets that keep only the bars that exist."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import import_candle_csv
from trading.contexts.market_data.application.load_timeline import load_timeline
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.shared.errors import DomainError

M = 60_000
H = 3_600_000
D = 86_400_000
MON = 1_704_153_600_000  # 2024-01-02 (a Tuesday) 00:00Z; the data below is weekdays only
ROW = "100,101,99,100.5,10"


def _csv(tmp_path: Path, lines: list[str], header: str = "Date,Open,High,Low,Close,Volume", sep: str = ",") -> Path:
    path = tmp_path / "bars.csv"
    path.write_text("\n".join([header, *lines]).replace(",", sep) + "\n")
    return path


def _iso(ts_ms: int) -> str:
    return np.datetime_as_string(np.datetime64(ts_ms, "ms"), unit="s").replace("T", " ")


def _weekdays(n: int) -> list[int]:
    days = [MON + k * D for k in range(n * 2)]
    return [d for d in days if np.datetime64(d, "ms").astype("datetime64[D]").item().weekday() < 5][:n]


def test_daily_pandas_file_is_stored_at_1d_and_finer_requests_name_the_base(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path
) -> None:
    days = _weekdays(30)
    path = _csv(tmp_path, [f"{_iso(d)[:10]},{ROW}" for d in days])
    result = import_candle_csv(store, markets, "4:BRK.B", path)
    assert (result.timeframe, result.rows, store.base_timeframe("4:BRK.B")) == ("1d", 30, "1d")
    assert "interval: 1d (detected)" in result.notes
    stored = store.read_bars("4:BRK.B", 0, 2**62)["ts"]
    assert stored.tolist() == days
    with pytest.raises(DomainError) as caught:
        load_timeline(store, "4:BRK.B", "1h", days[0], days[-1], 0, markets=markets)
    assert (caught.value.code, caught.value.status) == ("timeframe_below_base", 422)
    assert "stored at 1d bars" in caught.value.message and caught.value.extra["base_timeframe"] == "1d"

    timeline = load_timeline(store, "4:BRK.B", "1d", days[10], days[-1] + D, 5, markets=markets)
    assert timeline.ts_ms.tolist() == days[5:]  # warmup = the 5 real bars before, weekends skipped
    assert (timeline.target_start, timeline.warmup_unavailable, timeline.annualization_days) == (5, 0, 252)
    assert not timeline.filled.any() and timeline.data_notes == ()


def test_re_import_at_another_interval_is_refused(store: CandleStore, markets: MarketCatalog, tmp_path: Path) -> None:
    import_candle_csv(store, markets, "4:IBM", _csv(tmp_path, [f"{_iso(d)[:10]},{ROW}" for d in _weekdays(5)]))
    hourly = _csv(tmp_path, [f"{_iso(MON + k * H)},{ROW}" for k in range(5)])
    with pytest.raises(DomainError) as caught:
        import_candle_csv(store, markets, "4:IBM", hourly)
    assert (caught.value.code, caught.value.status) == ("timeframe_mismatch", 409)
    assert "stored at 1d" in caught.value.message


def test_mixed_1m_and_5m_file_is_refused_at_the_first_offending_line(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path
) -> None:
    minutes = [MON + k * M for k in range(30)]
    fives = [minutes[-1] + k * 5 * M for k in range(1, 16)]
    path = _csv(tmp_path, [f"{t},{ROW}" for t in minutes + fives], header="ts,open,high,low,close,volume")
    with pytest.raises(DomainError) as caught:
        import_candle_csv(store, markets, "1:BTCUSDT", path)
    assert caught.value.extra == {"line": 32, "reason": "inconsistent_interval"}  # header + 30 minutes, then 5m
    assert "line 32: from here bars are 5m apart; the file's interval is 1m" in caught.value.message
    assert not store.has_instrument("1:BTCUSDT")

    stray = _csv(
        tmp_path,
        [f"{t},{ROW}" for t in [MON, MON + 5 * M, MON + 7 * M, MON + 10 * M, MON + 15 * M]],
        header="ts,open,high,low,close,volume",
    )
    with pytest.raises(DomainError, match=r"line 4: timestamp is not on a whole 5m UTC boundary"):
        import_candle_csv(store, markets, "1:BTCUSDT", stray)


def test_given_timeframe_wins_and_gaps_are_allowed(store: CandleStore, markets: MarketCatalog, tmp_path: Path) -> None:
    sparse = [MON, MON + 3 * H, MON + 4 * H, MON + 9 * H]  # most common spacing 1h, but 3h and 5h gaps too
    path = _csv(tmp_path, [f"{t},{ROW}" for t in sparse], header="ts,open,high,low,close,volume")
    result = import_candle_csv(store, markets, "5:EURUSD", path, timeframe="1h")
    assert (result.timeframe, "interval: 1h (given)") == ("1h", result.notes[0])
    with pytest.raises(DomainError, match="not on a whole 4h UTC boundary"):
        import_candle_csv(store, markets, "5:GBPUSD", path, timeframe="4h")


def test_naive_times_take_the_tz_and_semicolons_and_extra_columns_are_read(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path
) -> None:
    lines = [f"2024-07-01 {9 + k:02d}:00:00,{ROW},1.0" for k in range(4)]
    path = _csv(tmp_path, lines, header="Datetime,Open,High,Low,Close,Volume,Adj Close", sep=";")
    result = import_candle_csv(store, markets, "4:AAPL", path, tz=ZoneInfo("America/New_York"))
    assert "timestamps without an offset read as America/New_York time" in result.notes
    assert "ignored columns: Adj Close" in result.notes
    july_1_13h_utc = 1_719_838_800_000  # 09:00 EDT
    assert store.read_bars("4:AAPL", 0, 2**62)["ts"].tolist() == [july_1_13h_utc + k * H for k in range(4)]


def test_daily_bars_keep_their_date_in_any_zone(store: CandleStore, markets: MarketCatalog, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["2024-03-08,100,101,99,100.5,10", "2024-03-11,100,101,99,100.5,10"])  # DST in between
    import_candle_csv(store, markets, "4:MSFT", path, timeframe="1d", tz=ZoneInfo("America/New_York"))
    assert store.read_bars("4:MSFT", 0, 2**62)["ts"].tolist() == [1_709_856_000_000, 1_710_115_200_000]


def test_end_inside_a_bar_leaves_that_bar_out_and_uncovered_range_is_said(
    store: CandleStore, markets: MarketCatalog, tmp_path: Path
) -> None:
    path = _csv(tmp_path, [f"{MON + k * M},{ROW}" for k in range(60)], header="ts,open,high,low,close,volume")
    import_candle_csv(store, markets, "1:ETHUSDT", path)
    timeline = load_timeline(store, "1:ETHUSDT", "5m", MON, MON + 16 * M, 0, markets=markets)
    assert timeline.ts_ms.tolist() == [MON, MON + 5 * M, MON + 10 * M]  # the bar closing at 00:20 is out
    late = load_timeline(store, "1:ETHUSDT", "5m", MON - 10 * M, MON + 2 * H, 0, markets=markets)
    assert late.data_notes == (
        "the range starts 2024-01-01T23:50:00Z but 1:ETHUSDT data starts 2024-01-02T00:00:00Z: "
        "the part before has no bars",
        "the range ends 2024-01-02T02:00:00Z but 1:ETHUSDT data ends 2024-01-02T01:00:00Z: "
        "the part after has no real bars",
    )
    with pytest.raises(DomainError, match=r"stored data covers \[2024-01-02T00:00:00Z, 2024-01-02T00:59:00Z\]"):
        load_timeline(store, "1:ETHUSDT", "5m", MON + 3 * H, MON + 4 * H, 0, markets=markets)
