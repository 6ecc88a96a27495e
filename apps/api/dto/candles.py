"""Wire shape of `GET /api/candles`: columns, not row objects, so 2,000 candles stay a small payload."""

from __future__ import annotations

from pydantic import BaseModel

from trading.contexts.market_data.application.chart_candles import ChartCandles


class CandleColumns(BaseModel):
    """`ts_ms` is each candle's open time (UTC ms); all lists have the same length."""

    ts_ms: list[int]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]
    volume: list[float]


class CandlesResponse(BaseModel):
    instrument_id: str
    timeframe: str
    bar_ms: int
    bars_total: int
    bars_per_candle: int
    price_decimals: int
    candles: CandleColumns


def candles_response(chart: ChartCandles) -> CandlesResponse:
    bars = chart.candles
    return CandlesResponse(
        instrument_id=chart.instrument_id,
        timeframe=chart.timeframe,
        bar_ms=chart.bar_ms,
        bars_total=chart.bars_total,
        bars_per_candle=chart.bars_per_candle,
        price_decimals=chart.price_decimals,
        candles=CandleColumns(
            ts_ms=bars["ts"].tolist(),
            open=bars["open"].tolist(),
            high=bars["high"].tolist(),
            low=bars["low"].tolist(),
            close=bars["close"].tolist(),
            volume=bars["volume"].tolist(),
        ),
    )
