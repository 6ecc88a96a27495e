"""`trading serve` as a real process on a free loopback port, for tests that need the whole CLI path."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.unit.apps.api.api_support import REPO_ROOT

START_SECONDS = 90.0
SERVE = [sys.executable, "-c", "from apps.cli.main import app; app()", "serve"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_process(env: dict[str, str], log: Path, *args: str) -> Iterator[str]:
    """Start `trading serve --port P *args`, wait for /api/health, yield its base URL, stop it on exit."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([*SERVE, "--port", str(port), *args], cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base_url}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "trading serve did not start"
                time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
