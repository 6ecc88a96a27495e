from __future__ import annotations

import numpy as np
import pytest

from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.load_timeline import load_timeline
from trading.contexts.market_data.domain.market import MarketCatalog
from trading.contexts.market_data.domain.ohlcv import COLUMNS, MINUTE_MS, Ohlcv, take
from trading.contexts.market_data.domain.synthetic import synthesize_1m
from trading.contexts.market_data.domain.timeline import Timeline
from trading.shared.errors import DomainError

T0 = 1_704_067_200_000  # 2024-01-01T00:00Z
H = 3_600_000
INSTRUMENT = "1:BTCUSDT"


@pytest.fixture
def minutes(store: CandleStore) -> Ohlcv:
    """Data 00:00-01:00, then 10:00-20:00 with 13:00-14:00 missing; stored in `store`."""
    bars = synthesize_1m(T0, 20 * 60, seed=9)
    ts = bars["ts"]
    keep = (ts < T0 + H) | ((ts >= T0 + 10 * H) & ((ts < T0 + 13 * H) | (ts >= T0 + 14 * H)))
    bars = take(bars, keep)
    store.write_1m(INSTRUMENT, *(bars[name] for name in COLUMNS))
    return bars


def _load(store: CandleStore, markets: MarketCatalog, start_h: float, end_h: float, warmup: int, tf: str = "1h"):
    return load_timeline(
        store, INSTRUMENT, tf, T0 + int(start_h * H), T0 + int(end_h * H), warmup, markets=markets
    )


def _hours(timeline: Timeline) -> list[float]:
    return ((timeline.ts_ms - T0) / H).tolist()


def test_warmup_before_target_with_earlier_history_filling_the_gap(
    store: CandleStore, markets: MarketCatalog, minutes: Ohlcv
) -> None:
    timeline = _load(store, markets, 12, 16, warmup=4)
    assert _hours(timeline) == [8, 9, 10, 11, 12, 13, 14, 15]
    assert (timeline.target_start, timeline.n_target) == (4, 4)
    assert (timeline.warmup_requested, timeline.warmup_unavailable, timeline.target_bars_unavailable) == (4, 0, 0)
    assert timeline.filled.tolist() == [True, True, False, False, False, True, False, False]
    last_close_before_1am = minutes["close"][minutes["ts"] < T0 + H][-1]
    assert timeline.close[:2].tolist() == [last_close_before_1am] * 2
    at_1259 = minutes["close"][minutes["ts"] == T0 + 12 * H + 59 * MINUTE_MS][0]
    assert timeline.close[5] == at_1259 and timeline.open[5] == at_1259 and timeline.volume[5] == 0.0
    in_noon = (minutes["ts"] >= T0 + 12 * H) & (minutes["ts"] < T0 + 13 * H)
    assert timeline.high[4] == minutes["high"][in_noon].max()
    assert timeline.volume[4] == pytest.approx(minutes["volume"][in_noon].sum(), rel=1e-12)


def test_bars_before_first_data_are_counted_not_invented(
    store: CandleStore, markets: MarketCatalog, minutes: Ohlcv
) -> None:
    timeline = _load(store, markets, -3, 2, warmup=10)
    assert _hours(timeline) == [0, 1]
    assert (timeline.target_start, timeline.warmup_unavailable, timeline.target_bars_unavailable) == (0, 10, 3)
    assert timeline.filled.tolist() == [False, True]

    partial = _load(store, markets, 0.5, 3, warmup=3, tf="15m")
    assert partial.ts_ms[0] == T0 and partial.target_start == 2
    assert (partial.warmup_unavailable, partial.target_bars_unavailable) == (1, 0)
    assert partial.n_target == 10 and partial.filled.sum() == 8  # 01:00..02:45 has no data


def test_end_after_last_bar_is_filled_flat_and_1m_timeline_is_exact(
    store: CandleStore, markets: MarketCatalog, minutes: Ohlcv
) -> None:
    timeline = _load(store, markets, 18, 22, warmup=0)
    assert _hours(timeline) == [18, 19, 20, 21]
    assert timeline.filled.tolist() == [False, False, True, True]
    assert timeline.close[2] == timeline.close[3] == minutes["close"][-1]

    one_minute = _load(store, markets, 10 + 0.5 / 60, 11, warmup=2, tf="1m")  # start 10:00:30 -> 10:01
    assert (one_minute.target_start, one_minute.warmup_unavailable) == (2, 0)  # 09:59 filled from 00:59
    assert one_minute.ts_ms[2] == T0 + 10 * H + MINUTE_MS and one_minute.n_target == 59
    in_range = (minutes["ts"] >= T0 + 10 * H) & (minutes["ts"] < T0 + 11 * H)
    assert np.array_equal(one_minute.close[1:], minutes["close"][in_range])
    assert one_minute.filled.tolist() == [True] + [False] * 60


@pytest.mark.parametrize(
    ("instrument", "tf", "start_h", "end_h", "code", "status", "text"),
    [
        (INSTRUMENT, "2h", 10, 12, "unknown_timeframe", 422, "'2h'"),
        (INSTRUMENT, "1h", 12, 12, "invalid_time_range", 422, str(T0 + 12 * H)),
        (INSTRUMENT, "1h", 10.05, 10.5, "empty_time_range", 422, "2024-01-01T10:03:00Z"),
        (INSTRUMENT, "1h", 21, 23, "no_data_in_range", 422, "[2024-01-01T21:00:00Z, 2024-01-01T23:00:00Z)"),
        (INSTRUMENT, "1h", 2, 9, "no_data_in_range", 422, "1:BTCUSDT"),
        ("2:BTCUSDT", "1h", 10, 12, "unknown_instrument", 404, "no candles are stored"),
        ("9:BTCUSDT", "1h", 10, 12, "unknown_instrument", 404, "market 9 is not configured"),
        ("1:btcusdt", "1h", 10, 12, "invalid_instrument_id", 422, "'1:btcusdt'"),
    ],
)
def test_errors_name_the_bad_values(
    store: CandleStore,
    markets: MarketCatalog,
    minutes: Ohlcv,
    instrument: str,
    tf: str,
    start_h: float,
    end_h: float,
    code: str,
    status: int,
    text: str,
) -> None:
    with pytest.raises(DomainError) as caught:
        load_timeline(store, instrument, tf, T0 + int(start_h * H), T0 + int(end_h * H), 0, markets=markets)
    assert (caught.value.code, caught.value.status) == (code, status)
    assert text in caught.value.message


def test_memory_guard_refuses_oversized_reads(store: CandleStore, markets: MarketCatalog, minutes: Ohlcv) -> None:
    kwargs = {"markets": markets, "max_base_bars": 600}
    load_timeline(store, INSTRUMENT, "1h", T0 + 10 * H, T0 + 18 * H, 2, **kwargs)  # exactly 600 minutes
    with pytest.raises(DomainError) as caught:
        load_timeline(store, INSTRUMENT, "1h", T0 + 10 * H, T0 + 18 * H, 3, **kwargs)
    error = caught.value
    assert error.code == "range_too_large"
    assert "660 1m bars" in error.message and "limit of 600" in error.message
    assert error.payload()["error"]["requested_base_bars"] == 660
