"""Candles for a chart: the backtest's own timeline (same rollup and gap fill), cut to a point budget."""

from __future__ import annotations

from dataclasses import dataclass

from trading.contexts.market_data.application.load_timeline import load_timeline
from trading.contexts.market_data.application.ports.candle_store import CandleReader
from trading.contexts.market_data.domain.chart_buckets import bars_per_bucket, bucket_ohlcv
from trading.contexts.market_data.domain.ohlcv import Ohlcv, make_ohlcv
from trading.contexts.market_data.domain.price_precision import price_decimals
from trading.contexts.market_data.domain.timeline import TIMEFRAMES


@dataclass(frozen=True)
class ChartCandles:
    """`candles` holds at most the budget's worth of bars; each covers `bars_per_candle` timeframe bars."""

    instrument_id: str
    timeframe: str
    bar_ms: int
    bars_total: int
    bars_per_candle: int
    price_decimals: int
    candles: Ohlcv


def chart_candles(
    store: CandleReader, instrument_id: str, timeframe: str, start_ms: int, end_ms: int, max_points: int
) -> ChartCandles:
    """Errors are load_timeline's (unknown instrument 404, bad timeframe / range 422, no data 422)."""
    timeline = load_timeline(store, instrument_id, timeframe, start_ms, end_ms, 0)
    bars = make_ohlcv(timeline.ts_ms, timeline.open, timeline.high, timeline.low, timeline.close, timeline.volume)
    return ChartCandles(
        instrument_id=instrument_id,
        timeframe=timeframe,
        bar_ms=TIMEFRAMES[timeframe],
        bars_total=timeline.n_bars,
        bars_per_candle=bars_per_bucket(timeline.n_bars, max_points),
        price_decimals=price_decimals(timeline.close),
        candles=bucket_ohlcv(bars, max_points),
    )
