"""`trading serve --with-worker` as a user runs it: a real process tree on loopback that takes a job
from submission to `succeeded`, ranks it exactly as the sync search does, and stops its worker on exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.unit.apps.api.api_support import REPO_ROOT, grid_request, write_candles

START_SECONDS = 90.0
JOB_SECONDS = 90.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], httpx.Client]]:
    write_candles(tmp_path)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TRADING_DATABASE_URL", "TRADING_CONFIG_DIR")}
    env |= {"TRADING_ENV": "test", "TRADING_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-c", "from apps.cli.main import app; app()", "serve", "--port", str(port)]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen([*command, "--with-worker"], cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + START_SECONDS
            while True:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "trading serve did not start"
                    time.sleep(0.2)
            yield process, client
    finally:
        if process.poll() is None:
            for child in _children(process.pid):
                os.kill(child, signal.SIGKILL)
            process.kill()
            process.wait()


@pytest.mark.slow
def test_serve_with_worker_finishes_a_job_like_the_sync_search(
    served: tuple[subprocess.Popen[bytes], httpx.Client],
) -> None:
    process, client = served
    (worker_pid,) = _children(process.pid)
    job_id = client.post("/api/backtests/jobs", json=grid_request()).json()["job_id"]
    deadline = time.monotonic() + JOB_SECONDS
    while (job := client.get(f"/api/backtests/jobs/{job_id}").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job still {job['state']}"
        time.sleep(0.2)
    assert job["state"] == "succeeded", job
    rows = client.get(f"/api/backtests/jobs/{job_id}/top").json()["rows"]
    sync = client.post("/api/backtests", json=grid_request()).json()["variants"]
    assert [(r["rank"], r["variant_key"], r["ranking_metrics"]) for r in rows] == [
        (v["rank"], v["variant_key"], v["ranking_metrics"]) for v in sync
    ]
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    assert not _alive(worker_pid)
