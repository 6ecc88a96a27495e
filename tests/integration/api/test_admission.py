"""Load behaviour over real HTTP: admission control of sync searches (admitted ones finish, the rest
are refused at once with Retry-After), health answered while the worker threads are all busy, the
body size limit, and the job quota checked before any preflight."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from apps.api.app import create_app
from apps.api.dependencies import get_use_cases
from tests.integration.api.conftest import LiveServer, serve_on_loopback
from tests.unit.apps.api.api_support import FakeUseCases, config_for_tests, fake_use_cases, grid_request, make_settings
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Admission

BODY_LIMIT = 64 * 1024
ADMISSION = Admission(
    max_running=1, max_queued=1, queue_wait_seconds=1.0, retry_after_seconds=7, max_planning_threads=1
)
PLANNING_SECONDS = 0.1
PREFLIGHTS = 45


@pytest.fixture
def fakes() -> FakeUseCases:
    return fake_use_cases()


@pytest.fixture
def server(live_data_dir: Path, tmp_path: Path, fakes: FakeUseCases) -> Iterator[LiveServer]:
    """Fake use cases (a run blocks as long as a test wants), one sync slot, one queue place."""
    config = config_for_tests(max_active_jobs_per_user=2)
    config = config.model_copy(
        update={
            "sync": config.sync.model_copy(update={"admission": ADMISSION}),
            "guards": config.guards.model_copy(update={"max_request_body_bytes": BODY_LIMIT}),
        }
    )
    (tmp_path / "candles_1m").symlink_to(live_data_dir / "candles_1m")
    app = create_app(make_settings(tmp_path, backtest_config=config))
    app.dependency_overrides[get_use_cases] = fakes.use_cases
    with serve_on_loopback(app) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def test_admitted_searches_finish_and_the_rest_are_refused_at_once(
    http: httpx.Client, server: LiveServer, fakes: FakeUseCases
) -> None:
    entered, release = threading.Event(), threading.Event()

    def block(_: Any) -> None:
        entered.set()
        assert release.wait(20)

    fakes.run_hook = block
    with ThreadPoolExecutor(2) as pool:
        running = pool.submit(http.post, "/api/backtests", json=grid_request())
        assert entered.wait(10)
        queued = pool.submit(http.post, "/api/backtests", json=grid_request())
        gate = server.app.state.sync_admission
        deadline = time.monotonic() + 5
        while gate.waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.perf_counter()
        refused = http.post("/api/backtests", json=grid_request())
        refused_seconds = time.perf_counter() - started
        waited_out = queued.result(10)
        release.set()
        assert running.result(10).status_code == 200
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "server_busy")
    assert refused.headers["Retry-After"] == "7" and refused.json()["error"]["retry_after_seconds"] == 7
    assert refused_seconds < ADMISSION.queue_wait_seconds  # refused without waiting in the queue
    assert (waited_out.status_code, waited_out.json()["error"]["code"]) == (503, "server_busy")
    assert waited_out.headers["Retry-After"] == "7"
    assert len(fakes.run_calls) == 1  # only the admitted search ran
    fakes.run_hook = None
    assert http.post("/api/backtests", json=grid_request()).status_code == 200  # the slot was given back


def test_a_queued_search_runs_when_a_slot_frees_within_the_wait(http: httpx.Client, fakes: FakeUseCases) -> None:
    entered, release = threading.Event(), threading.Event()

    def block_first(_: Any) -> None:
        if not entered.is_set():
            entered.set()
            assert release.wait(20)

    fakes.run_hook = block_first
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(http.post, "/api/backtests", json=grid_request())
        assert entered.wait(10)
        second = pool.submit(http.post, "/api/backtests", json=grid_request())
        time.sleep(0.2)
        release.set()
        assert (first.result(10).status_code, second.result(10).status_code) == (200, 200)


def test_health_answers_while_many_preflights_plan(http: httpx.Client, fakes: FakeUseCases) -> None:
    """45 preflights, each 0.1 s of GIL-holding Python: they plan one at a time in the planning lane
    while health, an async route, answers from the event loop. On 40 threads they starved it (3 calls
    answered in 2.3 s)."""
    real_preflight = fakes.preflight

    def preflight(*args: Any) -> Any:
        busy_until = time.perf_counter() + PLANNING_SECONDS
        while time.perf_counter() < busy_until:
            pass
        return real_preflight(*args)

    fakes.preflight = preflight  # type: ignore[method-assign]
    latencies: list[float] = []
    with httpx.Client(base_url=str(http.base_url), timeout=60) as load, ThreadPoolExecutor(PREFLIGHTS) as pool:
        pending = [pool.submit(load.post, "/api/backtests/preflight", json=grid_request()) for _ in range(PREFLIGHTS)]
        time.sleep(0.3)
        while not all(f.done() for f in pending):
            started = time.perf_counter()
            assert http.get("/api/health").status_code == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.01)
        assert all(f.result().status_code == 200 for f in pending)
    # Generous bounds for a shared 2-core machine; a starved loop answers a handful of calls in seconds.
    assert len(latencies) >= 20
    assert statistics.median(latencies) < PLANNING_SECONDS
    assert statistics.quantiles(latencies, n=100)[98] < 10 * PLANNING_SECONDS


def test_a_body_over_the_limit_is_413_before_it_is_read(http: httpx.Client, fakes: FakeUseCases) -> None:
    padded = grid_request(padding="x" * BODY_LIMIT)
    declared = http.post("/api/backtests/preflight", json=padded)
    assert (declared.status_code, declared.json()["error"]["code"]) == (413, "request_too_large")

    def chunks() -> Iterator[bytes]:
        yield b'{"instrument_id": "'
        for _ in range(BODY_LIMIT // 1024 + 2):
            yield b"x" * 1024

    streamed = http.post("/api/backtests/preflight", content=chunks(), headers={"content-type": "application/json"})
    assert (streamed.status_code, streamed.json()["error"]["code"]) == (413, "request_too_large")
    assert fakes.preflight_calls == 0
    assert http.post("/api/backtests/preflight", json=grid_request()).status_code == 200


def test_the_job_quota_is_checked_before_the_preflight(http: httpx.Client, fakes: FakeUseCases) -> None:
    for _ in range(2):
        assert http.post("/api/backtests/jobs", json=grid_request()).status_code == 201
    assert fakes.preflight_calls == 2
    over = http.post("/api/backtests/jobs", json=grid_request())
    assert (over.status_code, over.json()["error"]["code"]) == (429, "active_jobs_limit")
    assert fakes.preflight_calls == 2  # refused without planning anything
