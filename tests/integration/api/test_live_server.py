"""The API over real HTTP (uvicorn on loopback): error shape on the wire, a free event loop during a
sync run, client disconnect stopping the run, and the jobs lifecycle."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.integration.api.conftest import LiveServer
from tests.unit.apps.api.api_support import FakeUseCases, grid_request


@pytest.fixture(autouse=True)
def _reset_fakes(live_fakes: FakeUseCases) -> None:
    live_fakes.run_hook = None
    live_fakes.run_calls.clear()
    live_fakes.stopped.clear()


def test_errors_on_the_wire_are_json_with_the_error_shape(http: httpx.Client) -> None:
    missing = http.get("/api/does-not-exist")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/json")
    assert missing.json() == {"error": {"code": "not_found", "message": "Not Found", "details": []}}
    invalid = http.post("/api/backtests", json=grid_request(warmup_bars=-1, timeframe=5))
    assert invalid.status_code == 422
    assert [(d["path"], d["code"]) for d in invalid.json()["error"]["details"]] == [
        ("body.timeframe", "string_type"),
        ("body.warmup_bars", "greater_than_equal"),
    ]


def test_a_running_sync_search_does_not_block_other_requests(http: httpx.Client, live_fakes: FakeUseCases) -> None:
    entered, release = threading.Event(), threading.Event()

    def block(_: Any) -> None:
        entered.set()
        assert release.wait(10)

    live_fakes.run_hook = block
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(http.post, "/api/backtests", json=grid_request())
        assert entered.wait(10)
        started = time.perf_counter()
        assert http.get("/api/health").status_code == 200
        assert time.perf_counter() - started < 2.0
        release.set()
        assert pending.result(10).status_code == 200


def test_client_disconnect_sets_the_stop_flag(fake_server: LiveServer, live_fakes: FakeUseCases) -> None:
    entered = threading.Event()

    def wait_for_stop(should_stop: Any) -> None:
        entered.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if should_stop():
                live_fakes.stopped.set()
                return
            time.sleep(0.02)

    live_fakes.run_hook = wait_for_stop
    timeout = httpx.Timeout(10, read=0.5)
    with httpx.Client(base_url=fake_server.base_url, timeout=timeout) as client, pytest.raises(httpx.ReadTimeout):
        client.post("/api/backtests", json=grid_request())
    assert entered.is_set()
    assert live_fakes.stopped.wait(5), "the run never saw should_stop() turn true after the client left"


def test_jobs_lifecycle_over_http(http: httpx.Client) -> None:
    created = http.post("/api/backtests/jobs", json=grid_request())
    assert created.status_code == 201
    job_id = created.json()["job_id"]
    listed = http.get("/api/backtests/jobs", params={"limit": 1}).json()
    assert listed["items"][0]["job_id"] == job_id
    assert http.get(f"/api/backtests/jobs/{job_id}/top").json()["rows"] == []
    cancelled = http.post(f"/api/backtests/jobs/{job_id}/cancel")
    assert cancelled.json()["state"] == "cancelled"
    assert http.get(f"/api/backtests/jobs/{job_id}").json()["state"] == "cancelled"
    assert http.get("/api/backtests/jobs/nope").json()["error"]["code"] == "job_not_found"
