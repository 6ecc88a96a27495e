"""Real-browser fixtures: the real app (uvicorn) and one job worker on loopback, with a tmp data dir of
synthetic candles and a tmp SQLite job store, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, ViewportSize, sync_playwright

from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / ".artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTRUMENT = "1:BTCUSDT"
DATA_START = datetime(2024, 1, 1, tzinfo=UTC)
DATA_MINUTES = 45 * 24 * 60
DATA_SEED = 7
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
STARTUP_SECONDS = 90.0
# One bar-cheap search compiles the kernels before any test clicks, so no test meets a cold JIT.
WARM_UP_REQUEST = {
    "instrument_id": INSTRUMENT,
    "timeframe": "1h",
    "time_range": {"start": "2024-01-10T00:00:00Z", "end": "2024-01-12T00:00:00Z"},
    "indicators": [{"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [10]}}}],
}
WARM_UP_ATTEMPTS = 3


@dataclass(frozen=True)
class LiveApp:
    base_url: str
    root: Path

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=120.0)


@dataclass
class BrowserPage:
    """A page plus everything it logged as an error (console errors and uncaught exceptions)."""

    page: Page
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_candles(data_dir: Path) -> None:
    start_ms = int(DATA_START.timestamp() * 1000)
    write_synthetic_candles(CandleStore(data_dir), load_markets(), INSTRUMENT, start_ms, DATA_MINUTES, DATA_SEED)


def _log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}:\n{_log_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/api/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the app did not become healthy in {STARTUP_SECONDS:.0f} s:\n{_log_tail(log_path)}")


def _warm_up(base_url: str) -> None:
    """Compiles the ranking and report kernels. A cold first search may pass the sync deadline while
    compiling; the compiled kernels stay, so the next attempt is fast."""
    failures = []
    with httpx.Client(base_url=base_url, timeout=180.0) as api:
        for _ in range(WARM_UP_ATTEMPTS):
            search = api.post("/api/backtests", json=WARM_UP_REQUEST)
            if search.status_code == 200:
                context = {key: WARM_UP_REQUEST[key] for key in ("instrument_id", "timeframe", "time_range")}
                payload = search.json()["variants"][0]["payload"]
                api.post("/api/backtests/variant-report", json={"run_context": context, "variant": payload})
                return
            failures.append(f"{search.status_code} {search.text}")
    raise RuntimeError("warm-up search failed: " + " | ".join(failures))


def _start(command: list[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM first (the worker releases its lease), then kill if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_app(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    root = tmp_path_factory.mktemp("e2e")
    data_dir = root / "data"
    _write_candles(data_dir)
    port = _free_port()
    env = {
        **os.environ,
        "TRADING_ENV": "test",
        "TRADING_DATA_DIR": str(data_dir),
        "TRADING_DATABASE_URL": f"sqlite:///{root / 'jobs.sqlite3'}",
    }
    base_url = f"http://127.0.0.1:{port}"
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    app_log_path, worker_log_path = ARTIFACTS_DIR / "app.log", ARTIFACTS_DIR / "worker.log"
    with app_log_path.open("wb") as app_log, worker_log_path.open("wb") as worker_log:
        server = _start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "apps.api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env,
            app_log,
        )
        worker = None
        try:
            _wait_until_healthy(base_url, server, app_log_path)
            # Started after the app, which applies the job-store migrations on start-up.
            worker = _start([str(Path(sys.executable).parent / "trading"), "worker"], env, worker_log)
            _warm_up(base_url)
            yield LiveApp(base_url, root)
        finally:
            if worker is not None:
                _stop(worker)
            _stop(server)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[BrowserPage]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(30_000)
    watched = BrowserPage(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"page error: {error}"))
    yield watched
    context.close()


def save_screenshots(page: Page, name: str) -> list[Path]:
    """Full-page shots at desktop and phone width (kept under .artifacts/e2e/)."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    paths = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.wait_for_timeout(250)
        path = ARTIFACTS_DIR / f"{name}-{size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(DESKTOP)
    return paths


def request_counter(page: Page, method: str, path: str) -> list[Request]:
    """Requests the page makes to `path`, query aside (the list grows as they happen)."""
    seen: list[Request] = []

    def on_request(request: Request) -> None:
        if request.method == method and request.url.split("?")[0].endswith(path):
            seen.append(request)

    page.on("request", on_request)
    return seen
