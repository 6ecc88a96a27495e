"""Catalogue endpoints: indicators with bounds and effective defaults, stored instruments, health."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.unit.apps.api.api_support import N_BARS
from tests.unit.apps.api.conftest import ClientFactory
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.synthetic import synthesize_1m


def test_indicators_list_every_registered_indicator_with_config_defaults(client: TestClient) -> None:
    response = client.get("/api/indicators")
    assert response.status_code == 200
    listings = {item["id"]: item for item in response.json()["indicators"]}
    assert list(listings) == default_registry().ids()
    rsi = listings["momentum.rsi"]
    assert rsi["params"] == [
        {"name": "window", "kind": "int", "min": 2, "max": 5000, "choices": None,
         "default": {"mode": "range", "start": 7, "stop_incl": 28, "step": 7}},
    ]  # fmt: skip
    assert rsi["signal_params"][0]["name"] == "long_threshold"
    assert rsi["signal_params"][0]["default"] == {"mode": "range", "start": 20.0, "stop_incl": 40.0, "step": 5.0}
    assert listings["ma.sma"]["inputs"][0]["choices"] == ["open", "high", "low", "close", "hl2", "hlc3", "ohlc4"]


def test_indicator_defaults_come_from_settings(make_client: ClientFactory) -> None:
    window = {"mode": "explicit", "values": [7, 9]}
    client = make_client(indicator_defaults=IndicatorDefaults({"ma.sma": {"params": {"window": window}}}))
    listings = {item["id"]: item for item in client.get("/api/indicators").json()["indicators"]}
    assert listings["ma.sma"]["params"][0]["default"] == window
    assert listings["ma.ema"]["params"][0]["default"] == {"mode": "range", "start": 5, "stop_incl": 200, "step": 5}


def test_instruments_list_the_candle_store(client: TestClient, data_dir: Path) -> None:
    assert client.get("/api/instruments").json() == {
        "instruments": [
            {
                "instrument_id": "1:BTCUSDT",
                "market_id": 1,
                "symbol": "BTCUSDT",
                "first_bar_at": "2024-01-01T00:00:00Z",
                "last_bar_at": "2024-01-03T23:59:00Z",
                "base_timeframe": "1m",
                "bars_1m": N_BARS,
                "missing_minutes": 0,
            }
        ]
    }


def test_instruments_count_gaps_and_sort_by_market_then_symbol(make_client: ClientFactory, tmp_path: Path) -> None:
    store_dir = tmp_path / "other"
    bars = synthesize_1m(1_704_067_200_000, 600, seed=3, gap_fraction=0.1)
    for instrument in ("2:ETHUSDT", "1:ETHUSDT"):
        CandleStore(store_dir).write_1m(
            instrument, bars["ts"], bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"]
        )
    client = make_client(data_dir=store_dir)
    listed = client.get("/api/instruments").json()["instruments"]
    assert [(i["instrument_id"], i["bars_1m"]) for i in listed] == [("1:ETHUSDT", 540), ("2:ETHUSDT", 540)]
    span = (bars["ts"][-1] - bars["ts"][0]) // 60_000 + 1
    assert listed[0]["missing_minutes"] == span - 540


def test_empty_store_lists_no_instruments(make_client: ClientFactory, tmp_path: Path) -> None:
    assert make_client(data_dir=tmp_path / "empty").get("/api/instruments").json() == {"instruments": []}


def test_health_needs_no_credentials(make_client: ClientFactory, auth: object) -> None:
    response = make_client(auth=auth).get("/api/health")
    assert response.json() == {"status": "ok", "env": "test", "jobs_enabled": True}
