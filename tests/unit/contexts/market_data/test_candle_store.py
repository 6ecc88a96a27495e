from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import (
    CandleStore,
    InstrumentSummary,
)
from trading.contexts.market_data.domain.ohlcv import COLUMNS, MINUTE_MS, Ohlcv, take
from trading.contexts.market_data.domain.synthetic import synthesize_1m

JAN = 1_704_067_200_000  # 2024-01-01T00:00Z
FEB = 1_706_745_600_000  # 2024-02-01T00:00Z
MAR = 1_709_251_200_000  # 2024-03-01T00:00Z
APR = 1_711_929_600_000  # 2024-04-01T00:00Z


def _write(store: CandleStore, instrument_id: str, bars: Ohlcv) -> int:
    return store.write_1m(instrument_id, *(bars[name] for name in COLUMNS))


def _flat(ts: list[int], price: float) -> Ohlcv:
    n = len(ts)
    bars = synthesize_1m(JAN, n, seed=0)
    bars["ts"] = np.array(ts, dtype=np.int64)
    for name in ("open", "high", "low", "close"):
        bars[name] = np.full(n, price)
    return bars


def test_round_trip_across_months_with_half_open_reads(store: CandleStore) -> None:
    bars = synthesize_1m(FEB - 100 * MINUTE_MS, 200, seed=1)
    assert _write(store, "1:BTCUSDT", bars) == 200
    full = store.read_bars("1:BTCUSDT", 0, 2**62)
    for name in COLUMNS:
        assert np.array_equal(full[name], bars[name])
    window = store.read_bars("1:BTCUSDT", FEB - 3 * MINUTE_MS, FEB + 2 * MINUTE_MS)
    assert window["ts"].tolist() == [FEB + k * MINUTE_MS for k in (-3, -2, -1, 0, 1)]
    assert window["ts"].dtype == np.int64 and window["close"].dtype == np.float64
    assert store.read_bars("1:BTCUSDT", FEB, FEB)["ts"].shape == (0,)
    months = sorted(p.name for p in (store.data_dir / "candles_1m" / "1" / "BTCUSDT").glob("*.parquet"))
    assert months == ["2024-01.parquet", "2024-02.parquet"]


def test_upsert_replaces_overlapping_minutes_and_keeps_the_rest(store: CandleStore) -> None:
    _write(store, "1:BTCUSDT", _flat([JAN + k * MINUTE_MS for k in range(5)], 10.0))
    _write(store, "1:BTCUSDT", _flat([JAN + k * MINUTE_MS for k in (3, 4, 5, 6)], 20.0))
    _write(store, "1:BTCUSDT", _flat([JAN - 2 * MINUTE_MS], 5.0))  # December file
    result = store.read_bars("1:BTCUSDT", JAN - 10 * MINUTE_MS, JAN + 10 * MINUTE_MS)
    assert ((result["ts"] - JAN) // MINUTE_MS).tolist() == [-2, 0, 1, 2, 3, 4, 5, 6]
    assert result["close"].tolist() == [5.0, 10.0, 10.0, 10.0, 20.0, 20.0, 20.0, 20.0]
    assert [s.count for s in store.list_instruments()] == [8]


def test_unsorted_input_is_stored_sorted_and_bad_input_is_refused(store: CandleStore) -> None:
    _write(store, "1:BTCUSDT", _flat([JAN + 2 * MINUTE_MS, JAN, JAN + MINUTE_MS], 1.0))
    assert store.read_bars("1:BTCUSDT", JAN, JAN + 3 * MINUTE_MS)["ts"].tolist() == [
        JAN, JAN + MINUTE_MS, JAN + 2 * MINUTE_MS
    ]
    with pytest.raises(ValueError, match="duplicate ts"):
        _write(store, "1:BTCUSDT", _flat([JAN, JAN], 1.0))
    with pytest.raises(ValueError, match="whole 1m UTC boundary"):
        _write(store, "1:BTCUSDT", _flat([JAN + 1], 1.0))


def test_range_read_opens_only_the_overlapping_month_files(
    store: CandleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(store, "1:BTCUSDT", synthesize_1m(JAN, (APR - JAN) // MINUTE_MS, seed=2))
    opened: list[str] = []
    real_parquet_file = pq.ParquetFile

    def recording_parquet_file(source: Path) -> pq.ParquetFile:
        opened.append(Path(source).name)
        return real_parquet_file(source)

    monkeypatch.setattr(pq, "ParquetFile", recording_parquet_file)
    feb = store.read_bars("1:BTCUSDT", FEB, MAR)
    assert opened == ["2024-02.parquet"]
    assert feb["ts"].shape[0] == 29 * 1440  # 2024 is a leap year
    opened.clear()
    store.read_bars("1:BTCUSDT", FEB - MINUTE_MS, FEB + MINUTE_MS)
    assert opened == ["2024-01.parquet", "2024-02.parquet"]
    opened.clear()
    store.read_bars("1:BTCUSDT", APR, APR + 86_400_000)
    assert opened == []


def test_list_instruments_counts_bars_and_missing_minutes(store: CandleStore) -> None:
    bars = synthesize_1m(JAN, 3000, seed=4)
    _write(store, "2:ETHUSDT", take(bars, np.r_[0:100, 150:3000]))  # 50 missing minutes
    _write(store, "1:BTCUSDT", _flat([FEB, FEB + 10 * MINUTE_MS], 1.0))
    summaries = store.list_instruments()
    assert summaries == [
        InstrumentSummary("1:BTCUSDT", "1m", FEB, FEB + 10 * MINUTE_MS, 2),
        InstrumentSummary("2:ETHUSDT", "1m", JAN, JAN + 2999 * MINUTE_MS, 2950),
    ]
    assert [s.missing_bars for s in summaries] == [9, 50]
    assert store.has_instrument("2:ETHUSDT") and not store.has_instrument("2:BTCUSDT")
    assert CandleStore(store.data_dir.parent / "elsewhere").list_instruments() == []


def test_last_close_before_looks_back_across_months(store: CandleStore) -> None:
    _write(store, "1:BTCUSDT", _flat([JAN + 5 * MINUTE_MS], 7.0))
    _write(store, "1:BTCUSDT", _flat([MAR], 9.0))
    assert store.last_close_before("1:BTCUSDT", MAR) == 7.0
    assert store.last_close_before("1:BTCUSDT", MAR + MINUTE_MS) == 9.0
    assert store.last_close_before("1:BTCUSDT", JAN + 5 * MINUTE_MS) is None


def test_writes_leave_no_temporary_files(store: CandleStore) -> None:
    _write(store, "1:BTCUSDT", synthesize_1m(JAN, 100, seed=1))
    _write(store, "1:BTCUSDT", synthesize_1m(JAN, 100, seed=2))
    files = sorted(p.name for p in store.data_dir.rglob("*") if p.is_file())
    assert files == [".lock", "2024-01.parquet"]


# Each write: (first minute offset, number of minutes, price). Minutes span a month boundary.
writes_strategy = st.lists(
    st.tuples(st.integers(-50, 50), st.integers(0, 30), st.floats(1.0, 1e6, allow_nan=False)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=30, deadline=None)
@given(writes=writes_strategy)
def test_upsert_matches_a_last_write_wins_dict(writes: list[tuple[int, int, float]]) -> None:
    model: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        store = CandleStore(data_dir)
        for offset, count, price in writes:
            ts = [FEB + (offset + k) * MINUTE_MS for k in range(count)]
            assert _write(store, "1:BTCUSDT", _flat(ts, price)) == count
            model.update(dict.fromkeys(ts, price))
        stored = store.read_bars("1:BTCUSDT", FEB - 100 * MINUTE_MS, FEB + 100 * MINUTE_MS)
        assert stored["ts"].tolist() == sorted(model)
        assert stored["close"].tolist() == [model[t] for t in sorted(model)]
        assert [s.count for s in store.list_instruments()] == ([len(model)] if model else [])
