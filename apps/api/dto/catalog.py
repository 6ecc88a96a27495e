"""Wire shapes of the catalogue endpoints: indicators, stored instruments, health."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import InstrumentSummary
from trading.contexts.market_data.domain.instrument_id import InstrumentId


class AxisListing(BaseModel):
    """`min`/`max` for numeric axes, `choices` for choice axes; `default` is the effective default grid."""

    name: str
    kind: str
    min: int | float | None = None
    max: int | float | None = None
    choices: list[Any] | None = None
    default: Any


class IndicatorListing(BaseModel):
    id: str
    group: str
    inputs: list[AxisListing]
    params: list[AxisListing]
    outputs: list[str]
    primary_output: str
    signal_rule: str
    signal_params: list[AxisListing]


class IndicatorsResponse(BaseModel):
    indicators: list[IndicatorListing]


class InstrumentListing(BaseModel):
    instrument_id: str
    market_id: int
    symbol: str
    first_bar_at: datetime
    last_bar_at: datetime
    base_timeframe: str
    bars_1m: int  # bars at the base timeframe (the name is from when every instrument was stored at 1m)
    missing_minutes: int  # empty base-timeframe slots between the first and last bar


class InstrumentsResponse(BaseModel):
    instruments: list[InstrumentListing]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    env: str
    jobs_enabled: bool


def _utc(ts_ms: int) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


def instrument_listing(summary: InstrumentSummary) -> InstrumentListing:
    instrument = InstrumentId.parse(summary.instrument_id)
    return InstrumentListing(
        instrument_id=summary.instrument_id,
        market_id=instrument.market_id,
        symbol=instrument.symbol,
        first_bar_at=_utc(summary.first_ts_ms),
        last_bar_at=_utc(summary.last_ts_ms),
        base_timeframe=summary.timeframe,
        bars_1m=summary.count,
        missing_minutes=summary.missing_bars,
    )
