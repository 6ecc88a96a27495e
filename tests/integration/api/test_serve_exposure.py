"""`trading serve` exposure rules as a user meets them: a non-loopback bind with auth off is refused
(unless --insecure-no-auth), and the loopback server answers only to loopback Host names, so a page
that rebinds its own DNS name to 127.0.0.1 cannot talk to it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.api.serve_process import SERVE, free_port, serve_process
from tests.unit.apps.api.api_support import REPO_ROOT, write_candles


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRADING_DATABASE_URL", "TRADING_CONFIG_DIR")}
    return env | {"TRADING_ENV": "test", "TRADING_DATA_DIR": str(data_dir)}


def test_a_non_loopback_host_with_auth_off_is_refused_before_anything_listens(tmp_path: Path) -> None:
    done = subprocess.run(
        [*SERVE, "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=REPO_ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "auth is off" in done.stderr and "--insecure-no-auth" in done.stderr
    assert not (tmp_path / "jobs.sqlite3").exists()  # refused before the app (and its store) was built


@pytest.fixture
def loopback_server(tmp_path: Path) -> Iterator[int]:
    write_candles(tmp_path)
    with serve_process(_env(tmp_path), tmp_path / "serve.log", "--allowed-host", "backtests.internal") as url:
        yield int(url.rsplit(":", 1)[1])


def test_the_loopback_server_answers_only_to_loopback_host_names(loopback_server: int) -> None:
    url = f"http://127.0.0.1:{loopback_server}"
    for host in (f"127.0.0.1:{loopback_server}", f"localhost:{loopback_server}", "[::1]", "backtests.internal"):
        assert httpx.get(f"{url}/api/health", headers={"Host": host}).status_code == 200, host
    for host in (f"rebound.attacker.example:{loopback_server}", "127.0.0.1.attacker.example", "evil"):
        for path in ("/api/health", "/api/backtests/jobs", "/backtests"):
            refused = httpx.get(f"{url}{path}", headers={"Host": host})
            assert refused.status_code == 421, (host, path)
            assert refused.json()["error"]["code"] == "untrusted_host"
    posted = httpx.post(f"{url}/api/backtests/jobs", json={}, headers={"Host": "rebound.attacker.example"})
    assert posted.status_code == 421  # refused before the body is even validated
