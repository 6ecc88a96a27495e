"""Issue 14 acceptance over HTTP: the fast/slow SMA crossover search (fast 5..50, slow 20..200,
fast < slow) on GOOG daily is counted by the preflight (7,830 of 8,326 pairs), runs through
`POST /api/backtests`, and its rank-1 report equals backtesting.py's SmaCross with those windows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.api.app import create_app
from tests.unit.apps.api.api_support import config_for_tests, make_settings
from tests.unit.contexts.backtest.parity.goog_sma_cross import (
    ALL_PAIRS,
    KEPT_PAIRS,
    import_goog,
    rank_one_windows,
    report_mismatches,
    search_body,
    sma_cross_oracle,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("sma_cross_api")
    import_goog(root / "data")
    config = config_for_tests()
    # A cold numba cache compiles the cross kernel inside the first search; the deadline is not under test.
    config = config.model_copy(update={"sync": config.sync.model_copy(update={"sync_deadline_seconds": 600})})
    settings = make_settings(root / "data", database_url=f"sqlite:///{root / 'jobs.sqlite3'}", backtest_config=config)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def searched(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/backtests", json=search_body())
    assert response.status_code == 200, response.text[:1000]
    return response.json()


def test_preflight_counts_the_kept_pairs(client: TestClient) -> None:
    response = client.post("/api/backtests/preflight", json=search_body())
    assert response.status_code == 200, response.text[:1000]
    body = response.json()
    assert KEPT_PAIRS == 7_830 and ALL_PAIRS == 8_326
    assert body["stage_a_variants_total"] == KEPT_PAIRS
    (pairs,) = body["cross_pairs"]
    assert pairs == {
        "first": "fast",
        "second": "slow",
        "constraints": ["fast.window < slow.window"],
        "kept": KEPT_PAIRS,
        "total": ALL_PAIRS,
        "summary": "7,830 of 8,326 fast/slow pairs kept",
    }


def test_every_ranked_row_keeps_fast_below_slow(searched: dict[str, Any]) -> None:
    assert searched["stage_a_variants_total"] == KEPT_PAIRS
    for row in searched["variants"]:
        fast, slow = rank_one_windows(row["payload"])
        assert 5 <= fast < slow <= 200
        assert row["payload"]["rules"] == [{"type": "cross", "first": "fast", "second": "slow"}]


def test_rank_one_report_equals_backtesting_py_sma_cross(client: TestClient, searched: dict[str, Any]) -> None:
    best = searched["variants"][0]
    run_context = {key: search_body()[key] for key in ("instrument_id", "timeframe", "time_range", "warmup_bars")}
    response = client.post(
        "/api/backtests/variant-report", json={"run_context": run_context, "variant": best["payload"]}
    )
    assert response.status_code == 200, response.text[:1000]
    report = response.json()
    assert report["variant_key"] == best["variant_key"]
    assert report["ranking_metrics"]["total_return_pct"] == best["total_return_pct"]
    stats = sma_cross_oracle(*rank_one_windows(best["payload"]))
    assert report["trades_total"] == int(stats["# Trades"]) > 20
    assert report_mismatches(report["rows"], stats) == []
    assert best["total_return_pct"] == pytest.approx(float(stats["Return [%]"]), rel=1e-9)
