"""Candles for the report chart: one instrument, timeframe and UTC range, aggregated to a point budget."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from apps.api.dependencies import Context, CurrentUser
from apps.api.dto.candles import CandlesResponse, candles_response
from apps.api.errors import error_responses
from trading.contexts.market_data.application.chart_candles import chart_candles

router = APIRouter(prefix="/api", tags=["catalog"], responses=error_responses(401, 404, 422, 500))

MAX_POINTS_LIMIT = 20_000


def _epoch_ms(value: datetime) -> int:
    """Naive datetimes are UTC, as in every request of this API."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return int(aware.timestamp() * 1000)


@router.get("/candles", response_model=CandlesResponse)
def get_candles(
    ctx: Context,
    _user: CurrentUser,
    instrument_id: Annotated[str, Query(min_length=3, max_length=64, examples=["1:BTCUSDT"])],
    timeframe: Annotated[str, Query(max_length=8, examples=["1h"])],
    start: Annotated[datetime, Query(description="UTC, inclusive (bar open time)")],
    end: Annotated[datetime, Query(description="UTC, exclusive")],
    max_points: Annotated[int, Query(ge=10, le=MAX_POINTS_LIMIT)] = 2_000,
) -> CandlesResponse:
    """Bars whose open time is in `[start, end)`; past `max_points` bars, runs of consecutive bars are
    merged into one candle (`bars_per_candle` says how many). `price_decimals` is read from the data."""
    chart = chart_candles(ctx.store(), instrument_id, timeframe, _epoch_ms(start), _epoch_ms(end), max_points)
    return candles_response(chart)
