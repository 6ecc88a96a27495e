"""`trading serve`: the API and web UI under uvicorn, optionally with one job worker beside it."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
from types import FrameType

import typer
import uvicorn

from apps.api.app import create_app
from apps.api.settings import ApiSettings, settings_from_env

WORKER_PACKAGE = "apps.worker"
WORKER_STOP_SECONDS = 30.0


def worker_command(settings: ApiSettings) -> list[str]:
    """`trading worker` on the same interpreter and job store as the server."""
    return [sys.executable, "-c", "from apps.cli.main import app; app()", "worker", "--db", settings.database_url]


def start_worker(settings: ApiSettings) -> subprocess.Popen[bytes]:
    if importlib.util.find_spec(WORKER_PACKAGE) is None:
        raise typer.BadParameter("the job worker (apps.worker) is not installed", param_hint="--with-worker")
    if not settings.backtest_config.jobs.enabled:
        raise typer.BadParameter("jobs are disabled by config (backtest.jobs.enabled)", param_hint="--with-worker")
    return subprocess.Popen(worker_command(settings))


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the worker checkpoint and release its job; kill only if it does not exit in time."""
    process.terminate()
    try:
        process.wait(WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """uvicorn re-raises SIGTERM after its graceful shutdown; exiting normally lets `finally` stop the worker."""
    raise SystemExit(0)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    with_worker: bool = typer.Option(
        False, "--with-worker", help="Also run one job worker process (stopped with the server)."
    ),
) -> None:
    """Serve the API (/api/*, /openapi.json, /docs) and the web UI; settings come from TRADING_* env vars."""
    settings = settings_from_env()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    worker = start_worker(settings) if with_worker else None
    try:
        uvicorn.run(create_app(settings), host=host, port=port)
    finally:
        if worker is not None:
            stop_worker(worker)
