"""The web UI's token field in a real browser against `trading serve` with auth on: without a token the
jobs page shows the 401; a saved token lives in localStorage (not in the page) and is sent as a bearer
header on API calls; clearing it stops sending it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Request

from tests.e2e.conftest import save_screenshots
from tests.integration.api.serve_process import serve_process
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
    with serve_process(env, tmp_path / "serve.log") as base_url:
        yield base_url


def test_a_saved_token_is_sent_as_a_bearer_header_and_kept_out_of_the_page(browser: Browser, auth_server: str) -> None:
    page = browser.new_page()
    api_calls: list[Request] = []
    page.on("request", lambda r: api_calls.append(r) if r.url.startswith(f"{auth_server}/api/") else None)

    def first_api_answer() -> Any:
        return page.expect_response(lambda r: r.url.startswith(f"{auth_server}/api/"))

    try:
        with first_api_answer() as refused:
            page.goto(f"{auth_server}/backtests/jobs")
        assert refused.value.status == 401
        assert page.locator(".token-status").inner_text() == "no token"

        page.fill("#api-token", TOKEN)
        page.click(".token-field button[type=submit]")
        assert page.evaluate("localStorage.getItem('trading.apiToken')") == TOKEN
        assert page.input_value("#api-token") == ""  # the token is not left in the page
        api_calls.clear()
        with page.expect_response(lambda r: r.url.startswith(f"{auth_server}/api/backtests/jobs?")) as listed:
            page.reload()
        assert listed.value.status == 200  # the jobs list loads once the token is sent
        assert page.locator(".token-status").inner_text() == "token set"
        save_screenshots(page, "api_token_field")
        assert api_calls and {r.headers.get("authorization") for r in api_calls} == {f"Bearer {TOKEN}"}

        page.click(".token-field button:has-text('Clear')")
        assert page.evaluate("localStorage.getItem('trading.apiToken')") is None
        api_calls.clear()
        with first_api_answer() as refused_again:
            page.reload()
        assert refused_again.value.status == 401
        assert api_calls and all("authorization" not in r.headers for r in api_calls)
    finally:
        page.close()
