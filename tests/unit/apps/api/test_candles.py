"""`GET /api/candles`: the backtest timeline's bars, merged into runs past the point budget; clear 4xx."""

from __future__ import annotations

import httpx
import numpy as np
from fastapi.testclient import TestClient

from tests.unit.apps.api.api_support import N_BARS, START_MS
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.ohlcv import Ohlcv

RANGE = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-04T00:00:00Z"}


def _get(client: TestClient, **params: object) -> httpx.Response:
    query = {"instrument_id": "1:BTCUSDT", "timeframe": "1h", **RANGE, **params}
    return client.get("/api/candles", params=query)


def test_hourly_candles_under_the_budget_are_the_rolled_up_bars(client: TestClient) -> None:
    body = _get(client).json()
    assert body["bars_total"] == 72 and body["bars_per_candle"] == 1 and body["bar_ms"] == 3_600_000
    candles = body["candles"]
    assert candles["ts_ms"] == [START_MS + i * 3_600_000 for i in range(72)]
    minutes = _stored_minutes(client)
    first_hour = slice(0, 60)
    assert candles["open"][0] == minutes["open"][0]
    assert candles["high"][0] == float(np.max(minutes["high"][first_hour]))
    assert candles["low"][0] == float(np.min(minutes["low"][first_hour]))
    assert candles["close"][0] == minutes["close"][59]
    assert candles["volume"][0] == float(np.sum(minutes["volume"][first_hour]))


def test_past_the_budget_runs_of_bars_become_one_candle(client: TestClient) -> None:
    body = _get(client, timeframe="1m", max_points=100).json()
    per = body["bars_per_candle"]
    assert per == -(-N_BARS // 100) == 44
    candles = body["candles"]
    assert len(candles["ts_ms"]) == -(-N_BARS // per) <= 100
    minutes = _stored_minutes(client)
    second = slice(per, 2 * per)
    assert candles["ts_ms"][1] == START_MS + per * 60_000
    assert candles["open"][1] == minutes["open"][per]
    assert candles["high"][1] == float(np.max(minutes["high"][second]))
    assert candles["low"][1] == float(np.min(minutes["low"][second]))
    assert candles["close"][1] == minutes["close"][2 * per - 1]
    assert candles["close"][-1] == minutes["close"][-1]


def test_bad_requests_are_clear_4xx(client: TestClient) -> None:
    unknown = _get(client, instrument_id="1:NOPEUSDT")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_instrument"
    reversed_range = _get(client, start=RANGE["end"], end=RANGE["start"])
    assert reversed_range.status_code == 422 and reversed_range.json()["error"]["code"] == "invalid_time_range"
    timeframe = _get(client, timeframe="7m")
    assert timeframe.status_code == 422 and timeframe.json()["error"]["code"] == "unknown_timeframe"
    no_data = _get(client, start="2023-01-01T00:00:00Z", end="2023-01-02T00:00:00Z")
    assert no_data.status_code == 422 and no_data.json()["error"]["code"] == "no_data_in_range"
    budget = _get(client, max_points=1)
    assert budget.status_code == 422 and budget.json()["error"]["details"][0]["path"] == "query.max_points"
    missing = client.get("/api/candles", params={"instrument_id": "1:BTCUSDT"})
    assert missing.status_code == 422
    assert {d["path"] for d in missing.json()["error"]["details"]} == {"query.timeframe", "query.start", "query.end"}


def _stored_minutes(client: TestClient) -> Ohlcv:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return CandleStore(settings.data_dir).read_bars("1:BTCUSDT", START_MS, START_MS + N_BARS * 60_000)
