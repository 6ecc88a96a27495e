"""Jobs endpoints over the real SQLite job store (fake preflight): lifecycle, quota, ownership, pages."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.api.dto.backtest_jobs import JobTopRowResponse
from tests.unit.apps.api.api_support import FakeUseCases, bearer, config_for_tests, grid_request, sample_payload
from tests.unit.apps.api.conftest import ClientFactory
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.domain.entities.backtest_job import JobState
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow
from trading.shared.errors import DomainError

WORKER = "worker-1"


def _store(client: TestClient) -> BacktestJobsRepository:
    return client.app.state.jobs_repository  # type: ignore[attr-defined]


def _submit(client: TestClient, headers: dict[str, str] | None = None, **overrides: Any) -> str:
    response = client.post("/api/backtests/jobs", json=grid_request(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "queued"
    return response.json()["job_id"]


def _guard_problem(code: str, requested: int) -> dict[str, Any]:
    error = DomainError(code, f"{requested} variants requested, 100 allowed", extra={"requested": requested})
    return error.payload()["error"]


def test_submit_validates_with_preflight_then_enqueues(client: TestClient, fakes: FakeUseCases) -> None:
    job_id = _submit(client)
    assert fakes.preflight_calls == 1
    job = client.get(f"/api/backtests/jobs/{job_id}").json()
    assert (job["job_id"], job["state"], job["stage"], job["processed"], job["total"]) == (job_id, "queued", None, 0, 0)
    assert job["run_context"] == {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "1h",
        "time_range": {"start": "2024-01-01T12:00:00Z", "end": "2024-01-03T12:00:00Z"},
        "warmup_bars": 10,
    }
    assert job["request_summary"] == {
        "indicator_ids": ["ma.sma"],
        "ranking": {"primary_metric": None, "secondary_metric": None},
        "constraints": None,
        "top_k": 3,
        "preselect": 4,
    }
    stored = _store(client).get_job(uuid.UUID(job_id), "local")
    assert stored is not None and stored.request_json["indicators"][0]["params"]["window"]["values"] == [5, 10]
    # the full request comes back, so the job page can show and clone it
    assert job["request"] == stored.request_json
    assert RunBacktestRequest.model_validate(job["request"]) == RunBacktestRequest.model_validate(grid_request())


def test_invalid_request_is_422_and_nothing_is_enqueued(client: TestClient, fakes: FakeUseCases) -> None:
    response = client.post("/api/backtests/jobs", json=grid_request(top_k=0))
    assert response.status_code == 422
    assert [d["path"] for d in response.json()["error"]["details"]] == ["body.top_k"]
    assert fakes.preflight_calls == 0
    assert client.get("/api/backtests/jobs").json() == {"items": [], "next_cursor": None}


def test_a_guard_breach_in_preflight_refuses_the_job_with_its_code(client: TestClient, fakes: FakeUseCases) -> None:
    fakes.preflight_response = fakes.preflight_response.model_copy(
        update={"fits": False, "problems": [_guard_problem("too_many_variants", 500)]}
    )
    response = client.post("/api/backtests/jobs", json=grid_request())
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "too_many_variants",
        "message": "500 variants requested, 100 allowed",
        "details": [],
        "requested": 500,
    }
    fakes.preflight_response.problems.append(_guard_problem("memory_budget_exceeded", 7))
    second = client.post("/api/backtests/jobs", json=grid_request()).json()["error"]
    assert second["code"] == "too_many_variants"  # the first problem, as a sync run raises it
    assert client.get("/api/backtests/jobs").json()["items"] == []


def test_active_jobs_quota_is_429_until_a_job_ends(make_client: ClientFactory) -> None:
    client = make_client(backtest_config=config_for_tests(max_active_jobs_per_user=2))
    first, _ = _submit(client), _submit(client)
    response = client.post("/api/backtests/jobs", json=grid_request())
    assert response.status_code == 429
    error = response.json()["error"]
    assert (error["code"], error["max_active_jobs_per_user"]) == ("active_jobs_limit", 2)
    assert client.post(f"/api/backtests/jobs/{first}/cancel").json()["state"] == "cancelled"
    _submit(client)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/backtests/jobs"),
        ("get", "/api/backtests/jobs"),
        ("get", f"/api/backtests/jobs/{uuid.UUID(int=1)}"),
        ("get", f"/api/backtests/jobs/{uuid.UUID(int=1)}/top"),
        ("post", f"/api/backtests/jobs/{uuid.UUID(int=1)}/cancel"),
    ],
)
def test_jobs_disabled_by_config_has_its_own_code(make_client: ClientFactory, method: str, path: str) -> None:
    client = make_client(backtest_config=config_for_tests(enabled=False))
    response = client.request(method, path, json=grid_request())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "jobs_disabled"


@pytest.mark.parametrize("job_id", ["not-a-uuid", str(uuid.UUID(int=42)), "1"])
@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("get", "/top"), ("post", "/cancel")])
def test_unknown_or_malformed_job_id_is_a_plain_404(client: TestClient, job_id: str, method: str, suffix: str) -> None:
    response = client.request(method, f"/api/backtests/jobs/{job_id}{suffix}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "job_not_found"


def test_another_users_job_answers_404_and_is_not_listed(make_client: ClientFactory, auth: Any) -> None:
    client = make_client(auth=auth)
    job_id = _submit(client, headers=bearer("alice"))
    for method, suffix in [("get", ""), ("get", "/top"), ("post", "/cancel")]:
        response = client.request(method, f"/api/backtests/jobs/{job_id}{suffix}", headers=bearer("bob"))
        assert (response.status_code, response.json()["error"]["code"]) == (404, "job_not_found")
    assert client.get("/api/backtests/jobs", headers=bearer("bob")).json()["items"] == []
    alice_jobs = client.get("/api/backtests/jobs", headers=bearer("alice")).json()["items"]
    assert [job["job_id"] for job in alice_jobs] == [job_id]
    assert client.get(f"/api/backtests/jobs/{job_id}", headers=bearer("alice")).json()["state"] == "queued"


def test_list_pages_newest_first_with_a_cursor(make_client: ClientFactory) -> None:
    client = make_client(backtest_config=config_for_tests(max_active_jobs_per_user=10))
    submitted = {_submit(client) for _ in range(5)}
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/backtests/jobs", params=params).json()
        pages.append([job["job_id"] for job in page["items"]])
        created = [datetime.fromisoformat(job["created_at"]) for job in page["items"]]
        assert created == sorted(created, reverse=True)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    flat = [job_id for page in pages for job_id in page]
    assert set(flat) == submitted and len(flat) == 5
    whole = client.get("/api/backtests/jobs", params={"limit": 100}).json()
    assert [job["job_id"] for job in whole["items"]] == flat and whole["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "path", "code"),
    [
        ({"cursor": "garbage!"}, None, "invalid_cursor"),
        ({"limit": 0}, "query.limit", "greater_than_equal"),
        ({"limit": 101}, "query.limit", "less_than_equal"),
        ({"limit": "x"}, "query.limit", "int_parsing"),
    ],
)
def test_bad_list_parameters_are_422(client: TestClient, params: dict[str, Any], path: str | None, code: str) -> None:
    response = client.get("/api/backtests/jobs", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    if path is None:
        assert error["code"] == code
    else:
        assert [(d["path"], d["code"]) for d in error["details"]] == [(path, code)]


def _top_row(rank: int, total_return: float) -> JobTopRow:
    return JobTopRow(
        rank=rank,
        variant_key=f"vk{rank}",
        indicator_variant_key=f"ivk{rank}",
        variant_index=10 - rank,
        total_return_pct=total_return,
        ranking_metrics={"total_return_pct": total_return, "profit_factor": math.nan},
        payload=sample_payload(5 * rank).model_dump(mode="json"),
    )


def test_top_returns_the_live_rows_in_rank_order(client: TestClient) -> None:
    job_id = _submit(client)
    store = _store(client)
    claimed = store.claim_next(WORKER, 30.0, 3)
    assert claimed is not None and str(claimed.id) == job_id
    assert client.get(f"/api/backtests/jobs/{job_id}/top").json() == {"job_id": job_id, "state": "running", "rows": []}
    assert store.replace_top(claimed.id, WORKER, [_top_row(1, 9.5), _top_row(2, 3.25), _top_row(3, -1.0)])
    assert store.update_progress(claimed.id, WORKER, "stage_b", 40, 64)
    top = client.get(f"/api/backtests/jobs/{job_id}/top", params={"limit": 2}).json()
    assert [(r["rank"], r["variant_key"], r["total_return_pct"]) for r in top["rows"]] == [
        (1, "vk1", 9.5),
        (2, "vk2", 3.25),
    ]
    assert top["rows"][0]["ranking_metrics"] == {"total_return_pct": 9.5, "profit_factor": None}
    assert top["rows"][1]["payload"] == sample_payload(10).model_dump(mode="json")
    assert set(top["rows"][0]) == set(JobTopRowResponse.model_fields)
    assert "report" not in top["rows"][0] and "trades" not in top["rows"][0]
    job = client.get(f"/api/backtests/jobs/{job_id}").json()
    assert (job["state"], job["stage"], job["processed"], job["total"], job["attempt"]) == (
        "running",
        "stage_b",
        40,
        64,
        1,
    )
    bad_limit = client.get(f"/api/backtests/jobs/{job_id}/top", params={"limit": 0})
    assert bad_limit.json()["error"]["details"][0]["path"] == "query.limit"


def test_cancel_is_immediate_for_queued_and_requested_for_running_and_idempotent(client: TestClient) -> None:
    queued = _submit(client)
    first = client.post(f"/api/backtests/jobs/{queued}/cancel")
    again = client.post(f"/api/backtests/jobs/{queued}/cancel")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["state"] == again.json()["state"] == "cancelled"
    assert first.json()["finished_at"] == again.json()["finished_at"] is not None

    running = _submit(client)
    claimed = _store(client).claim_next(WORKER, 30.0, 3)
    assert claimed is not None and str(claimed.id) == running
    first = client.post(f"/api/backtests/jobs/{running}/cancel").json()
    again = client.post(f"/api/backtests/jobs/{running}/cancel").json()
    assert first["state"] == again["state"] == "running"
    assert first["cancel_requested_at"] == again["cancel_requested_at"] is not None


def test_failed_job_shows_its_structured_error(client: TestClient) -> None:
    job_id = _submit(client)
    store = _store(client)
    claimed = store.claim_next(WORKER, 30.0, 3)
    assert claimed is not None
    error = {"code": "unknown_instrument", "message": "no candles"}
    assert store.finish(claimed.id, WORKER, JobState.FAILED, error)
    job = client.get(f"/api/backtests/jobs/{job_id}").json()
    assert (job["state"], job["error"]) == ("failed", error)


def test_a_job_stored_under_an_older_request_schema_still_lists(client: TestClient) -> None:
    legacy = grid_request(retired_option=True, indicators=[{"indicator_id": "ma.sma", "old_axis_format": [5, 10]}])
    stored = _store(client).create_job("local", legacy, max_active_jobs=10)
    (listed,) = client.get("/api/backtests/jobs").json()["items"]
    assert (listed["job_id"], listed["request_summary"]["indicator_ids"]) == (str(stored.id), ["ma.sma"])
    assert listed["run_context"]["instrument_id"] == "1:BTCUSDT"
