"""`trading serve`: the API and web UI under uvicorn, optionally with one job worker beside it."""

from __future__ import annotations

import importlib.util
import ipaddress
import signal
import subprocess
import sys
from dataclasses import replace
from types import FrameType

import typer
import uvicorn

from apps.api.app import create_app
from apps.api.settings import ApiSettings, settings_from_env
from apps.api.trusted_hosts import LOOPBACK_HOST_NAMES

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


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_settings(
    settings: ApiSettings, host: str, insecure_no_auth: bool, allowed_hosts: list[str]
) -> tuple[ApiSettings, str | None]:
    """Settings with the trusted hosts for this bind, and a warning to print (or BadParameter to refuse).

    A non-loopback bind with auth off would hand every job to anyone on the network: refused unless the
    user says so with --insecure-no-auth. A loopback bind answers only to loopback names (DNS rebinding).
    """
    warning = None
    if not is_loopback(host) and not settings.auth.enabled:
        if not insecure_no_auth:
            raise typer.BadParameter(
                f"{host!r} is reachable from other machines and auth is off (no configs/<env>/auth.yaml): "
                "anyone could run and read jobs. Turn auth on, bind 127.0.0.1, or pass --insecure-no-auth.",
                param_hint="--host",
            )
        warning = (
            f"WARNING: serving on {host} with auth OFF (--insecure-no-auth): anyone who can reach it is the local user"
        )
    if is_loopback(host):
        trusted: tuple[str, ...] | None = (*LOOPBACK_HOST_NAMES, *allowed_hosts)
    else:
        trusted = tuple(allowed_hosts) or None
    return replace(settings, trusted_hosts=trusted), warning


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """uvicorn re-raises SIGTERM after its graceful shutdown; exiting normally lets `finally` stop the worker."""
    raise SystemExit(0)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    with_worker: bool = typer.Option(
        False, "--with-worker", help="Also run one job worker process (stopped with the server)."
    ),
    insecure_no_auth: bool = typer.Option(
        False, "--insecure-no-auth", help="Allow a non-loopback --host with auth off (prints a warning)."
    ),
    allowed_host: list[str] = typer.Option(
        [],
        "--allowed-host",
        help="A Host header name the server answers to (repeatable); a loopback server answers only to "
        "127.0.0.1, localhost and ::1 plus these.",
    ),
) -> None:
    """Serve the API (/api/*, /openapi.json, /docs) and the web UI; settings come from TRADING_* env vars."""
    settings, warning = exposure_settings(settings_from_env(), host, insecure_no_auth, allowed_host)
    if warning is not None:
        typer.secho(warning, err=True, fg=typer.colors.RED)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    worker = start_worker(settings) if with_worker else None
    try:
        uvicorn.run(create_app(settings), host=host, port=port)
    finally:
        if worker is not None:
            stop_worker(worker)
