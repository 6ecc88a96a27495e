"""The web UI's token field in a real browser against `trading serve` with auth on: without a token the
jobs page shows the 401; a saved token lives in localStorage (not in the page) and is sent as a bearer
header on API calls; clearing it stops sending it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Request

from tests.e2e.conftest import save_screenshots
from tests.integration.api.test_serve import START_SECONDS, _free_port
from tests.unit.apps.api.api_support import REPO_ROOT
from trading.contexts.identity.domain.token_hash import hash_token
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT

TOKEN = "alice-browser-token"


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[str]:
    configs = tmp_path / "configs"
    shutil.copytree(DEFAULT_CONFIG_ROOT / "test", configs / "test")
    grant = {"user_id": "alice", "token_sha256": hash_token(TOKEN)}
    (configs / "test" / "auth.yaml").write_text(yaml.safe_dump({"auth": {"enabled": True, "tokens": [grant]}}))
    env = {k: v for k, v in os.environ.items() if k != "TRADING_DATABASE_URL"}
    env |= {"TRADING_ENV": "test", "TRADING_DATA_DIR": str(tmp_path), "TRADING_CONFIG_DIR": str(configs)}
    port = _free_port()
    command = [sys.executable, "-c", "from apps.cli.main import app; app()", "serve", "--port", str(port)]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
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


def test_a_saved_token_is_sent_as_a_bearer_header_and_kept_out_of_the_page(browser: Browser, auth_server: str) -> None:
    page = browser.new_page()
    jobs_calls: list[Request] = []
    page.on(
        "request", lambda r: jobs_calls.append(r) if r.url.startswith(f"{auth_server}/api/backtests/jobs") else None
    )
    try:
        with page.expect_response(lambda r: "/api/backtests/jobs" in r.url) as refused:
            page.goto(f"{auth_server}/backtests/jobs")
        assert refused.value.status == 401
        assert page.locator(".token-status").inner_text() == "no token"

        page.fill("#api-token", TOKEN)
        page.click(".token-field button[type=submit]")
        assert page.evaluate("localStorage.getItem('trading.apiToken')") == TOKEN
        assert page.input_value("#api-token") == ""  # the token is not left in the page
        with page.expect_response(lambda r: "/api/backtests/jobs" in r.url) as accepted:
            page.reload()
        assert accepted.value.status == 200
        assert page.locator(".token-status").inner_text() == "token set"
        save_screenshots(page, "api_token_field")
        assert jobs_calls[-1].headers.get("authorization") == f"Bearer {TOKEN}"

        page.click(".token-field button:has-text('Clear')")
        assert page.evaluate("localStorage.getItem('trading.apiToken')") is None
        with page.expect_response(lambda r: "/api/backtests/jobs" in r.url) as refused_again:
            page.reload()
        assert refused_again.value.status == 401
        assert "authorization" not in jobs_calls[-1].headers
    finally:
        page.close()
