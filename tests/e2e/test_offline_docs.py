"""`/docs` renders from the vendored Swagger UI with every request off the loopback host blocked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.conftest import BrowserPage, LiveApp, save_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_api_docs_render_with_the_network_off(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith(live_app.base_url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.goto(f"{live_app.base_url}/docs")
    # the 1.7 MB bundle takes a while to parse on a loaded machine
    expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/candles")).to_be_visible(timeout=30_000)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    save_screenshots(page, "api-docs-offline")
    assert blocked == [] and browser_page.errors == []
