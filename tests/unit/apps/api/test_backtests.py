"""Sync endpoints with fake use cases: what the routes pass in, and that they pass results through untouched."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.unit.apps.api.api_support import FakeUseCases, grid_request, sample_payload


def test_sync_run_keeps_the_application_rank_order_and_nulls_non_finite(
    client: TestClient, fakes: FakeUseCases, data_dir: Path
) -> None:
    response = client.post("/api/backtests", json=grid_request())
    assert response.status_code == 200
    body = response.json()
    assert [(v["rank"], v["variant_key"]) for v in body["variants"]] == [(1, "ccc"), (2, "aaa"), (3, "bbb")]
    assert [v["total_return_pct"] for v in body["variants"]] == [1.0, 5.0, -2.0]
    assert body["variants"][1]["ranking_metrics"] == {"total_return_pct": 5.0, "max_drawdown_pct": None}
    assert all(v["report"] is None for v in body["variants"])
    assert (body["stage_a_variants_total"], body["stage_b_variants_total"]) == (2, 4)
    assert body["ranking"] == {
        "primary_metric": "max_drawdown_pct",
        "secondary_metric": None,
        "collapse_same_outcome": False,
    }
    assert body["variants"][0]["payload"]["indicator_selections"][0]["params"] == {"window": 6}

    (call,) = fakes.run_calls
    assert call["deadline_seconds"] == 30.0  # sync.sync_deadline_seconds of configs/test
    assert call["ctx"].data_dir == str(data_dir)
    assert call["request"].indicators[0].params["window"].values == [5, 10]


def test_sync_run_stop_flag_is_clear_while_the_client_waits(client: TestClient, fakes: FakeUseCases) -> None:
    seen: list[bool] = []
    fakes.run_hook = lambda should_stop: seen.append(should_stop())
    assert client.post("/api/backtests", json=grid_request()).status_code == 200
    assert seen == [False]
    assert fakes.run_calls[0]["should_stop"]() is True  # set once the request is over


def test_sync_run_leaves_the_event_loop_free(client: TestClient, fakes: FakeUseCases) -> None:
    entered, release = threading.Event(), threading.Event()

    def block(_: Any) -> None:
        entered.set()
        assert release.wait(10)

    fakes.run_hook = block
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.post, "/api/backtests", json=grid_request())
        assert entered.wait(10)
        assert client.get("/api/health").status_code == 200
        assert client.post("/api/backtests/preflight", json=grid_request()).status_code == 200
        release.set()
        assert pending.result(10).status_code == 200


def test_preflight_passes_the_application_answer_through(client: TestClient, fakes: FakeUseCases) -> None:
    response = client.post("/api/backtests/preflight", json=grid_request())
    assert response.status_code == 200
    assert response.json() == fakes.preflight_response.model_dump(mode="json")


def test_variant_report_serialises_non_finite_numbers_as_null(client: TestClient) -> None:
    body = {
        "run_context": {key: grid_request()[key] for key in ("instrument_id", "timeframe", "time_range")},
        "variant": sample_payload().model_dump(mode="json"),
    }
    response = client.post("/api/backtests/variant-report", json=body)
    assert response.status_code == 200
    report = response.json()
    assert report["ranking_metrics"] == {"total_return_pct": None}
    assert report["rows"] == [{"metric": "Total Return [%]", "value": None}]
    assert "NaN" not in response.text


def test_variant_report_rejects_a_grid_in_place_of_a_variant(client: TestClient) -> None:
    body = {
        "run_context": {key: grid_request()[key] for key in ("instrument_id", "timeframe", "time_range")},
        "variant": {"indicator_selections": []},
    }
    response = client.post("/api/backtests/variant-report", json=body)
    assert response.status_code == 422
    paths = [d["path"] for d in response.json()["error"]["details"]]
    assert paths == [
        "body.variant.direction_mode",
        "body.variant.execution_params",
        "body.variant.indicator_selections",
        "body.variant.sizing_mode",
    ]


def test_openapi_declares_dto_schemas_and_the_error_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in (
        "RunBacktestRequest",
        "RunBacktestResponse",
        "PreflightResponse",
        "VariantReportResponse",
        "RuntimeDefaultsResponse",
        "JobResponse",
        "JobTopResponse",
        "ErrorResponse",
    ):
        assert name in schemas
    assert "HTTPValidationError" not in schemas
    run = spec["paths"]["/api/backtests"]["post"]
    assert run["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RunBacktestRequest")
    for status in ("401", "404", "422", "500"):
        assert run["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert spec["paths"]["/api/backtests/jobs"]["post"]["responses"]["429"]
    assert set(spec["paths"]) >= {
        "/api/backtests", "/api/backtests/preflight", "/api/backtests/variant-report",
        "/api/backtests/runtime-defaults", "/api/backtests/jobs", "/api/backtests/jobs/{job_id}",
        "/api/backtests/jobs/{job_id}/top", "/api/backtests/jobs/{job_id}/cancel",
        "/api/indicators", "/api/instruments", "/api/health",
    }  # fmt: skip


def test_web_ui_pages_and_static_files_are_mounted_by_the_app(client: TestClient) -> None:
    page = client.get("/backtests")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert client.get("/static/app.css").status_code == 200
    missing = client.get("/static/nope.js")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert not any(path.startswith("/backtests") for path in client.get("/openapi.json").json()["paths"])
