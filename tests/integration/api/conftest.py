"""A real uvicorn server on a free loopback port, serving the app in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from apps.api.app import create_app
from apps.api.dependencies import get_use_cases
from tests.unit.apps.api.api_support import FakeUseCases, fake_use_cases, make_settings, write_candles

STARTUP_SECONDS = 20.0


@dataclass
class LiveServer:
    base_url: str
    app: FastAPI


@contextmanager
def serve_on_loopback(app: FastAPI) -> Iterator[LiveServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def live_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("live")
    write_candles(directory)
    return directory


@pytest.fixture(scope="module")
def live_fakes() -> FakeUseCases:
    return fake_use_cases()


@pytest.fixture(scope="module")
def fake_server(live_data_dir: Path, live_fakes: FakeUseCases) -> Iterator[LiveServer]:
    """The app with fake use cases (for timing and disconnect behaviour)."""
    app = create_app(make_settings(live_data_dir / "fake"))
    app.dependency_overrides[get_use_cases] = live_fakes.use_cases
    with serve_on_loopback(app) as live:
        yield live


@pytest.fixture(scope="module")
def real_server(live_data_dir: Path) -> Iterator[LiveServer]:
    """The app exactly as `trading serve` builds it, over the synthetic candles."""
    with serve_on_loopback(create_app(make_settings(live_data_dir))) as live:
        yield live


@pytest.fixture
def http(fake_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_server.base_url, timeout=10) as client:
        yield client
