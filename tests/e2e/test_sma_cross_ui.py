"""Issue 14 acceptance in a real browser: the form builds two aliased ma.sma instances (fast 5..50,
slow 20..200), a cross rule and the constraint fast.window < slow.window on GOOG daily; the preflight
counts the kept pairs, the search runs, and the rank-1 row and its report equal backtesting.py's
SmaCross with those windows (trades and return)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BrowserPage, LiveApp, save_screenshots
from tests.unit.contexts.backtest.parity.goog_sma_cross import (
    INSTRUMENT,
    import_goog,
    rank_one_windows,
    report_mismatches,
    search_body,
    sma_cross_oracle,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

RUN_PATH = "/api/backtests"
REPORT_PATH = "/api/backtests/variant-report"
WARM_UP_ATTEMPTS = 3


@pytest.fixture(scope="module")
def goog_app(live_app: LiveApp) -> LiveApp:
    """GOOG imported into the running app's store, and the cross kernel compiled by one tiny search."""
    import_goog(live_app.root / "data")
    tiny = search_body(top_k=1) | {
        "param_constraints": [],
        "indicators": [
            {"indicator_id": "ma.sma", "alias": "fast", "params": {"window": {"mode": "explicit", "values": [10]}}},
            {"indicator_id": "ma.sma", "alias": "slow", "params": {"window": {"mode": "explicit", "values": [20]}}},
        ],
    }
    with live_app.api() as api:
        for _ in range(WARM_UP_ATTEMPTS):
            if api.post(RUN_PATH, json=tiny).status_code == 200:
                return live_app
    raise RuntimeError("the cross warm-up search never finished within the sync deadline")


def set_window_range(page: Page, index: int, start: int, stop: int) -> None:
    window = page.locator(f"[data-field-path='indicators.{index}.params.window']")
    window.locator(".axis-mode").select_option("range")
    for label, value in (("start", start), ("stop", stop), ("step", 1)):
        window.locator(f"input[aria-label='window {label}']").fill(str(value))


def build_sma_cross(page: Page) -> None:
    """The form, control by control, as a user would fill it for the acceptance search."""
    page.select_option("#instrument", INSTRUMENT)
    page.select_option("#timeframe", "1d")
    page.fill("#range-start", "2004-08-19 00:00")
    page.fill("#range-end", "2013-03-02 00:00")
    page.locator("[data-field-path='indicators.0.alias'] input").fill("fast")
    set_window_range(page, 0, 5, 50)
    page.select_option("#indicator-picker", "ma.sma")
    page.click("#add-indicator")
    page.locator("[data-field-path='indicators.1.alias'] input").fill("slow")
    set_window_range(page, 1, 20, 200)
    page.click("#add-cross-rule")
    page.fill("input[name=rule-first]", "fast")
    page.fill("input[name=rule-second]", "slow")
    page.click("#add-param-constraint")
    page.fill("input[name=constraint-left]", "fast.window")
    page.select_option("select[name=constraint-op]", "<")
    page.fill("input[name=constraint-right]", "slow.window")
    for name in ("sl_pct", "tp_pct"):
        page.locator(f"[data-field-path='risk.{name}'] .axis-mode").select_option("off")
    page.select_option("select[name=direction_mode]", "long_short")
    page.select_option("select[name=sizing_mode]", "all_in")
    page.select_option("select[name=fill]", "next_open")
    for name, value in (("init_cash_quote", "10000"), ("fee_pct", "0.2"), ("slippage_pct", "0")):
        page.fill(f"input[name={name}]", value)
    page.click("#advanced summary")
    page.fill("#warmup-bars", "0")
    page.fill("#top-k", "3")


def test_ui_sma_cross_search_rank_one_equals_backtesting_py(goog_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{goog_app.base_url}/backtests")
    expect(page.locator("#preflight .stat-value").first).to_be_visible()
    build_sma_cross(page)
    expect(page.locator("#preflight .cross-pairs")).to_have_text(
        "7,830 of 8,326 fast/slow pairs kept (fast.window < slow.window)"
    )
    expect(page.locator("#preflight .stat-value").first).to_have_text("7,830")
    save_screenshots(page, "sma-cross-form")

    with page.expect_response(lambda r: r.url.endswith(RUN_PATH) and r.request.method == "POST") as answer:
        page.click("#run-search")
    assert answer.value.ok, answer.value.text()
    request: dict[str, Any] | None = answer.value.request.post_data_json
    assert request is not None
    assert request["rules"] == [{"type": "cross", "first": "fast", "second": "slow"}]
    assert request["param_constraints"] == [{"left": "fast.window", "op": "<", "right": "slow.window"}]
    assert [(i["indicator_id"], i["alias"]) for i in request["indicators"]] == [("ma.sma", "fast"), ("ma.sma", "slow")]
    response = answer.value.json()
    assert response["stage_a_variants_total"] == 7_830
    best = response["variants"][0]
    fast, slow = rank_one_windows(best["payload"])
    stats = sma_cross_oracle(fast, slow)

    first_row = page.locator("#results-table tbody tr").first
    expect(first_row).to_contain_text(f"fast=ma.sma(source=close, window={fast})")
    expect(first_row).to_contain_text("fast crosses slow")
    shown_return = first_row.locator("td[data-metric='total_return_pct']").inner_text()
    assert float(shown_return.replace(",", "")) == pytest.approx(float(stats["Return [%]"]), abs=0.01)

    with page.expect_response(lambda r: r.url.endswith(REPORT_PATH)) as report_answer:
        first_row.locator(".load-report").click()
    report = report_answer.value.json()
    assert report["trades_total"] == int(stats["# Trades"]) > 20
    assert report_mismatches(report["rows"], stats) == []
    trades_cell = page.locator("#report .metrics-table tr", has_text="Num. Trades").locator("td")
    expect(trades_cell).to_have_text(str(int(stats["# Trades"])))
    save_screenshots(page, "sma-cross-report")
    assert browser_page.errors == []
