"""The report's price chart in a real browser: candles from /api/candles, the variant's indicator lines,
entry/exit markers on the bars whose close filled them, and the equity / drawdown panes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BrowserPage, LiveApp, save_screenshots
from tests.e2e.test_backtest_ui import REPORT_PATH, open_search, run_search

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _seconds(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp())


def test_report_chart_shows_candles_markers_and_indicator_lines(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    run_search(page)
    rows = page.locator("#results-table tbody tr")
    with (
        page.expect_response(lambda r: r.url.endswith(REPORT_PATH)) as report_answer,
        page.expect_response(lambda r: "/api/candles?" in r.url) as candles_answer,
    ):
        rows.nth(0).locator(".load-report").click()
    report, candles = report_answer.value.json(), candles_answer.value.json()
    chart = page.locator("#report [data-testid=price-chart]")
    expect(chart.locator("canvas").first).to_be_visible()
    assert candles["candles"]["ts_ms"] and candles["bars_per_candle"] == 1
    assert report["indicator_lines"], "the variant's indicator outputs are drawn"
    legend = page.locator("#report .chart-legend").inner_text()
    for line in report["indicator_lines"]:
        assert line["label"] in legend
    expect(page.locator("#report .attribution a")).to_have_attribute("href", "https://www.tradingview.com/")
    page.locator("#report").scroll_into_view_if_needed()
    save_screenshots(page, "report-chart")

    markers = chart.evaluate("node => JSON.parse(node.dataset.markers)")
    trades = report["trades"]
    assert trades and len(markers) == 2 * len(trades)
    fills = sorted((m["trade"], m["kind"], m["fillTime"]) for m in markers)
    assert fills == sorted(
        [(i, "entry", t["entry_time"]) for i, t in enumerate(trades)]
        + [(i, "exit", t["exit_time"]) for i, t in enumerate(trades)]
    )
    # each marker sits on the candle of the bar whose close filled it (bar open = fill time - one bar)
    target_start = candles["candles"]["ts_ms"][0] // 1000  # one bar per candle: candle i is target bar i
    bar_s = report["bar_ms"] // 1000
    for marker in markers:
        trade = trades[marker["trade"]]
        assert marker["time"] == target_start + trade[f"{marker['kind']}_bar"] * bar_s
        assert marker["time"] + bar_s == _seconds(marker["fillTime"])
    assert browser_page.errors == []
