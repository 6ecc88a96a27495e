"""Rollup and the dense-timeline rule against an independent pandas `resample` oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trading.contexts.market_data.domain.ohlcv import MINUTE_MS, Ohlcv, make_ohlcv, take
from trading.contexts.market_data.domain.rollup import densify, rollup
from trading.contexts.market_data.domain.synthetic import synthesize_1m
from trading.contexts.market_data.domain.timeline import TIMEFRAMES

START = 1_704_067_200_000 + 7 * MINUTE_MS  # starts mid-bucket for every timeframe above 5m
PANDAS_RULE = {"1m": "1min", "5m": "5min", "15m": "15min", "30m": "30min", "1h": "1h", "4h": "4h", "1d": "1D"}


def _gappy_minutes() -> Ohlcv:
    """~9 days of minutes, 30% dropped at random plus a whole empty day (so 1d/4h/1h buckets are empty)."""
    bars = synthesize_1m(START, 9 * 1440, seed=5, gap_fraction=0.3)
    day3 = START - 7 * MINUTE_MS + 3 * 86_400_000
    return take(bars, (bars["ts"] < day3) | (bars["ts"] >= day3 + 86_400_000))


def _pandas_buckets(bars: Ohlcv, timeframe: str) -> dict[str, np.ndarray]:
    """Every epoch-aligned bucket from the first to the last bar, empty ones included (count 0)."""
    frame = pd.DataFrame(
        {name: bars[name] for name in ("open", "high", "low", "close", "volume")},
        index=pd.to_datetime(bars["ts"], unit="ms"),
    )
    resampled = frame.resample(PANDAS_RULE[timeframe], origin="epoch", label="left", closed="left")
    count = resampled["close"].count()
    return {
        "ts": count.index.to_numpy().astype("datetime64[ms]").astype(np.int64),
        "open": resampled["open"].first().to_numpy(),
        "high": resampled["high"].max().to_numpy(),
        "low": resampled["low"].min().to_numpy(),
        "close": resampled["close"].last().to_numpy(),
        "volume": resampled["volume"].sum().to_numpy(),
        "count": count.to_numpy(),
    }


@pytest.mark.parametrize("timeframe", list(TIMEFRAMES))
def test_rollup_matches_pandas_resample(timeframe: str) -> None:
    bars = _gappy_minutes()
    buckets = _pandas_buckets(bars, timeframe)
    real = buckets["count"] > 0
    got = rollup(bars, TIMEFRAMES[timeframe])
    assert got["ts"].tolist() == buckets["ts"][real].tolist()
    for name in ("open", "high", "low", "close"):
        assert np.array_equal(got[name], buckets[name][real])
    np.testing.assert_allclose(got["volume"], buckets["volume"][real], rtol=1e-12)


@pytest.mark.parametrize("timeframe", ["1m", "15m", "1h", "4h", "1d"])
def test_dense_timeline_matches_pandas_with_forward_filled_close(timeframe: str) -> None:
    bucket_ms = TIMEFRAMES[timeframe]
    bars = _gappy_minutes()
    grid_end = int(bars["ts"][-1]) - int(bars["ts"][-1]) % bucket_ms + 3 * bucket_ms  # 2 trailing empties
    expected = _pandas_buckets(bars, timeframe)
    dense = densify(rollup(bars, bucket_ms), bucket_ms, START - 10 * bucket_ms, grid_end, prev_close=None)

    empty = expected["count"] == 0
    close = pd.Series(expected["close"]).ffill().to_numpy()
    n_real = expected["ts"].shape[0]
    got = dense.bars
    first_real = int(bars["ts"][0])
    assert got["ts"][0] == first_real - first_real % bucket_ms  # nothing invented before the first bar
    assert got["ts"].shape[0] == n_real + 2
    assert np.array_equal(dense.filled, np.r_[empty, True, True])
    assert np.array_equal(got["close"], np.r_[close, close[-1], close[-1]])
    for name in ("open", "high", "low"):
        with_fills = np.where(empty, close, expected[name])
        assert np.array_equal(got[name], np.r_[with_fills, close[-1], close[-1]])
    assert np.all(got["volume"][dense.filled] == 0)
    if timeframe in ("4h", "1d"):
        assert dense.filled.sum() >= 2 + 86_400_000 // bucket_ms - 1  # the empty day is in there


def test_densify_golden_values_with_previous_close() -> None:
    hour = TIMEFRAMES["1h"]
    bars = make_ohlcv(
        np.array([2 * hour, 4 * hour]),
        np.array([10.0, 12.0]),
        np.array([11.0, 13.0]),
        np.array([9.0, 11.5]),
        np.array([10.5, 12.5]),
        np.array([3.0, 4.0]),
    )
    dense = densify(bars, hour, grid_start=0, grid_end=6 * hour, prev_close=9.5)
    assert dense.bars["ts"].tolist() == [0, hour, 2 * hour, 3 * hour, 4 * hour, 5 * hour]
    assert dense.filled.tolist() == [True, True, False, True, False, True]
    assert dense.bars["close"].tolist() == [9.5, 9.5, 10.5, 10.5, 12.5, 12.5]
    assert dense.bars["open"].tolist() == [9.5, 9.5, 10.0, 10.5, 12.0, 12.5]
    assert dense.bars["high"].tolist() == [9.5, 9.5, 11.0, 10.5, 13.0, 12.5]
    assert dense.bars["volume"].tolist() == [0.0, 0.0, 3.0, 0.0, 4.0, 0.0]

    without_history = densify(bars, hour, grid_start=0, grid_end=6 * hour, prev_close=None)
    assert without_history.bars["ts"].tolist() == [2 * hour, 3 * hour, 4 * hour, 5 * hour]
    assert without_history.filled.tolist() == [False, True, False, True]
