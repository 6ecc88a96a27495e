"""What the UI needs to build a request: the indicator catalogue, the stored instruments; and health."""

from __future__ import annotations

from fastapi import APIRouter, Request

from apps.api.dependencies import CurrentUser, Settings
from apps.api.dto.catalog import (
    HealthResponse,
    IndicatorListing,
    IndicatorsResponse,
    InstrumentsResponse,
    instrument_listing,
)
from apps.api.errors import error_responses
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore

router = APIRouter(prefix="/api", tags=["catalog"], responses=error_responses(401, 422, 500))


@router.get("/indicators", response_model=IndicatorsResponse)
def list_indicators(request: Request, _user: CurrentUser) -> IndicatorsResponse:
    """Every indicator with its axes, bounds and default grids (from indicators.yaml)."""
    listings: list[IndicatorListing] = request.app.state.indicator_catalogue
    return IndicatorsResponse(indicators=listings)


@router.get("/instruments", response_model=InstrumentsResponse)
def list_instruments(settings: Settings, _user: CurrentUser) -> InstrumentsResponse:
    """Instruments in the candle store with their first/last bar (from Parquet metadata only)."""
    summaries = CandleStore(settings.data_dir).list_instruments()
    return InstrumentsResponse(instruments=[instrument_listing(summary) for summary in summaries])


@router.get("/health", response_model=HealthResponse)
async def health(settings: Settings) -> HealthResponse:
    """Liveness; needs no credentials. Async on purpose: it never waits for a worker thread, so busy
    planning or searches cannot hold it up (as a sync route it waited 36.6 s behind preflights)."""
    return HealthResponse(status="ok", env=settings.env, jobs_enabled=settings.backtest_config.jobs.enabled)
