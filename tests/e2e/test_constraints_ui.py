"""Constraints in the browser against the real app and worker: Sharpe as the primary metric (the ranking
selects sit in their own card, not under Advanced) plus a `num_trades >= 20` row in the constraints
editor; every ranked row shows at least 20 trades, same-outcome counts show under the rows that stand
for several variants, the rejection counts appear under the results, and
the same request as a job keeps its constraints and shows the counts on the job page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BrowserPage, LiveApp, save_screenshots
from tests.e2e.test_backtest_ui import JOB_URL, is_ordered, metric_column, open_search, run_search

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

BOUND = 20
CONSTRAINT = {"metric": "num_trades", "op": ">=", "value": BOUND}


def _sharpe(page: Page) -> None:
    """Sharpe over the last 14 days of the form's range: its top then mixes rows below and above 20 trades."""
    end = datetime.strptime(page.input_value("#range-end"), "%Y-%m-%d %H:%M")
    page.fill("#range-start", (end - timedelta(days=14)).strftime("%Y-%m-%d %H:%M"))
    expect(page.locator("#primary-metric")).to_be_visible()  # no "Advanced" to open first
    page.select_option("#primary-metric", "sharpe_ratio")


def _min_trades(page: Page) -> None:
    page.click("#add-result-constraint")
    row = page.locator(".result-constraint").first
    row.locator("select[name=constraint-metric]").select_option("num_trades")
    row.locator("select[name=constraint-op-metric]").select_option(">=")
    row.locator("input[name=constraint-value]").fill(str(BOUND))


def test_sharpe_with_min_trades_ranks_only_rows_with_enough_trades(
    live_app: LiveApp, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    open_search(live_app, page)
    _sharpe(page)
    plain = run_search(page)
    trades_plain = [row["ranking_metrics"]["num_trades"] for row in plain["variants"]]
    assert min(trades_plain) < BOUND  # without the constraint, Sharpe ranks rows with fewer trades

    _min_trades(page)
    with page.expect_request(lambda r: r.url.endswith("/api/backtests") and r.method == "POST") as sent:
        response = run_search(page)
    body = sent.value.post_data_json or {}
    assert body["ranking"]["primary_metric"] == "sharpe_ratio"
    assert body["constraints"] == [CONSTRAINT]

    rows = response["variants"]
    assert rows and response["ranking"]["primary_metric"] == "sharpe_ratio"
    shown_trades = metric_column(page, "num_trades")
    assert len(shown_trades) == len(rows)
    assert all(trades >= BOUND for trades in shown_trades)
    assert shown_trades == [row["ranking_metrics"]["num_trades"] for row in rows]
    assert is_ordered(metric_column(page, "sharpe_ratio"), descending=True)
    expect(page.locator("#results-table thead th.ranked").first).to_have_text("Sharpe ★")  # named, not its id
    groups = [row["same_outcome"]["count"] for row in rows]  # one row per outcome (the default)
    shown_groups = page.locator("#results-table tbody tr .same-outcome summary").all_inner_texts()
    assert shown_groups == [f"× {count:,} same outcome" for count in groups if count > 1]
    assert max(groups) > 1  # some stops of the form's grid never trigger: their variants share a row

    rejections = response["constraint_rejections"]
    assert [entry["constraint"] for entry in rejections] == [CONSTRAINT]
    assert rejections[0]["stage_a"] > 0 and rejections[0]["stage_b"] > 0
    counts = page.locator("[data-testid=constraint-rejections]")
    expect(counts).to_be_visible()
    expect(counts).to_contain_text(f"Num. Trades ≥ {BOUND}: rejected {rejections[0]['stage_a']:,} in Stage A")
    save_screenshots(page, "constraints-search")

    assert browser_page.errors == []
    page.locator(".result-constraint input[name=constraint-value]").fill("")
    expect(page.locator("[data-field-path='constraints.0.value'] .field-error")).to_be_visible()  # live preflight 422
    page.click(".result-constraint button")  # remove: the request has no constraints again
    with page.expect_request(lambda r: r.url.endswith("/api/backtests") and r.method == "POST") as again:
        run_search(page)
    assert "constraints" not in (again.value.post_data_json or {})
    expect(page.locator("[data-testid=constraint-rejections]")).to_be_hidden()
    assert all("status of 422" in error for error in browser_page.errors)  # only the deliberate bad bound


def test_a_constrained_job_keeps_its_constraints_and_shows_the_counts(
    live_app: LiveApp, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    open_search(live_app, page)
    _sharpe(page)
    _min_trades(page)
    page.click("#submit-job")
    page.wait_for_url(JOB_URL)
    match = JOB_URL.match(page.url)
    assert match
    expect(page.locator("#job-status .state")).to_have_text("succeeded", timeout=90_000)
    expect(page.locator("#job-top-table tbody tr").first).to_be_visible()
    trades = metric_column(page, "num_trades", "#job-top-table")
    assert trades and all(value >= BOUND for value in trades)
    with live_app.api() as api:
        job = api.get(f"/api/backtests/jobs/{match.group(1)}").json()
    assert job["request"]["constraints"] == [CONSTRAINT]
    assert [entry["constraint"] for entry in job["constraint_rejections"]] == [CONSTRAINT]
    expect(page.locator("#job-status .facts")).to_contain_text(f"Num. Trades ≥ {BOUND}")  # beside the ranking
    expect(page.locator("#job-top [data-testid=constraint-rejections]")).to_contain_text(
        f"Num. Trades ≥ {BOUND}: rejected {job['constraint_rejections'][0]['stage_a']:,} in Stage A"
    )
    assert browser_page.errors == []
