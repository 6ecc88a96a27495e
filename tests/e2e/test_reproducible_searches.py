"""Searches you can reproduce and tell apart, in a real browser: compare rows, YAML round trip, the
last result after a reload, cloning a finished job with one axis changed, and the jobs list rows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BrowserPage, LiveApp, save_screenshots
from tests.e2e.test_backtest_ui import JOB_URL, open_search, run_search, set_window_range

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
JOBS_COLUMNS = ["Job", "State", "Instrument", "Timeframe", "Indicators", "Ranking", "Best so far", "Progress", "Age"]
TINY_JOB = {
    "instrument_id": "1:BTCUSDT",
    "timeframe": "4h",
    "time_range": {"start": "2024-01-10T00:00:00Z", "end": "2024-02-10T00:00:00Z"},
    "indicators": [{"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [5, 10]}}}],
}


def export_yaml(page: Page, tmp_path: Path, name: str) -> str:
    with page.expect_download() as download:
        page.click("#export-yaml")
    path = tmp_path / name
    download.value.save_as(path)
    return path.read_text()


def test_compare_three_rows(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    response = run_search(page)
    rows = page.locator("#results-table tbody tr")
    for index in (0, 2, 4):
        rows.nth(index).locator(".compare-check").check()
    expect(page.locator("#compare-rows")).to_have_text("Compare (3)")
    page.click("#compare-rows")
    compare = page.locator("#compare")
    expect(compare.locator("h2")).to_have_text("Compare ranks 1, 3, 5")
    expect(compare.locator("[data-testid=compare-chart] canvas").first).to_be_visible()
    cells = compare.locator("tr[data-metric='Total Return [%]'] td").all_inner_texts()
    expected = [response["variants"][i]["ranking_metrics"]["total_return_pct"] for i in (0, 2, 4)]
    assert [float(text.replace(",", "")) for text in cells] == pytest.approx(expected, abs=0.005)
    assert compare.locator("thead th").count() == 4
    compare.scroll_into_view_if_needed()
    save_screenshots(page, "compare-3-rows")
    assert browser_page.errors == []


def test_yaml_export_then_import_gives_the_identical_request(
    live_app: LiveApp, browser_page: BrowserPage, tmp_path: Path
) -> None:
    page = browser_page.page
    open_search(live_app, page)
    set_window_range(page, 0, 10, 60, 10)
    page.select_option("#timeframe", "4h")
    exported = export_yaml(page, tmp_path, "first.yaml")
    request = yaml.safe_load(exported)
    assert request["timeframe"] == "4h"
    assert request["indicators"][0]["params"]["window"] == {"mode": "range", "start": 10, "stop_incl": 60, "step": 10}

    page.select_option("#timeframe", "1d")  # edits the import must undo
    set_window_range(page, 0, 3, 5, 1)
    page.set_input_files("#import-request", str(tmp_path / "first.yaml"))
    expect(page.locator("#request-file-status")).to_have_text("Loaded first.yaml.")
    assert export_yaml(page, tmp_path, "second.yaml") == exported
    expect(page.locator("#timeframe")).to_have_value("4h")

    (tmp_path / "broken.yaml").write_text("instrument_id: 1:BTCUSDT\ntimeframe: [4h\n")
    page.set_input_files("#import-request", str(tmp_path / "broken.yaml"))
    expect(page.locator("#request-file-status")).to_contain_text("broken.yaml: line 3, column 1")
    assert browser_page.errors == []


def test_the_last_sync_result_survives_a_reload(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    page.select_option("#timeframe", "4h")
    response = run_search(page)
    page.reload()
    rows = page.locator("#results-table tbody tr")
    expect(rows).to_have_count(len(response["variants"]))
    keys = rows.evaluate_all("rows => rows.map(r => r.dataset.variantKey)")
    assert keys == [v["variant_key"] for v in response["variants"]]
    expect(page.locator("#timeframe")).to_have_value("4h")
    assert browser_page.errors == []


def test_clone_a_finished_job_change_one_axis_and_submit(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    page.select_option("#timeframe", "4h")
    page.click("#submit-job")
    page.wait_for_url(JOB_URL)
    expect(page.locator("#job-status .state")).to_have_text("succeeded", timeout=90_000)
    expect(page.locator("[data-testid=job-request]")).to_contain_text("timeframe: 4h")
    save_screenshots(page, "job-details-request")
    match = JOB_URL.match(page.url)
    assert match
    with live_app.api() as api:
        original = api.get(f"/api/backtests/jobs/{match.group(1)}").json()["request"]

    page.click("#clone-job")
    expect(page.locator("#request-file-status")).to_contain_text("Cloned from job")
    expect(page.locator("#timeframe")).to_have_value("4h")
    set_window_range(page, 0, 20, 80, 20)
    page.click("#submit-job")
    page.wait_for_url(lambda url: JOB_URL.match(url) is not None and match.group(1) not in url)
    clone_match = JOB_URL.match(page.url)
    assert clone_match
    with live_app.api() as api:
        cloned = api.get(f"/api/backtests/jobs/{clone_match.group(1)}").json()["request"]
    window = {"mode": "range", "start": 20, "stop_incl": 80, "step": 20}
    assert cloned["indicators"][0]["params"]["window"] == window
    cloned["indicators"][0]["params"]["window"] = original["indicators"][0]["params"]["window"]
    assert cloned == original, "only the changed axis differs"
    assert browser_page.errors == []


def test_jobs_list_rows_tell_jobs_apart(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    with live_app.api() as api:
        job_id = api.post("/api/backtests/jobs", json=TINY_JOB).json()["job_id"]
        deadline = time.monotonic() + 90
        while api.get(f"/api/backtests/jobs/{job_id}").json()["state"] != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.5)
    page.goto(f"{live_app.base_url}/backtests/jobs")
    first = page.locator("#jobs-table tbody tr").first
    expect(first).to_be_visible()
    headers = page.locator("#jobs-table thead th").all_inner_texts()
    assert headers == JOBS_COLUMNS
    with page.expect_response(lambda r: "state=succeeded" in r.url):
        page.select_option("#jobs-state", "succeeded")
    states = page.locator("#jobs-table tbody tr .state")
    expect(states.filter(has_not_text="succeeded")).to_have_count(0)
    expect(states.first).to_have_text("succeeded")
    expect(page.locator("#jobs-table tbody tr td.best").first).to_contain_text("Total return %")
    save_screenshots(page, "jobs-list-rows")
    assert browser_page.errors == []
