"""The web UI in a real browser against the real app and worker: sync search, lazy cached reports,
ranking changes, field errors, jobs (success, cancel, not found vs disabled), screenshots."""

from __future__ import annotations

import csv
import io
import math
import re
import uuid
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from apps.cli.backtest import export_csv
from tests.e2e.conftest import BrowserPage, LiveApp, request_counter, save_screenshots
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestResponse

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

RUN_PATH = "/api/backtests"
REPORT_PATH = "/api/backtests/variant-report"
JOB_URL = re.compile(r".*/backtests/jobs/([0-9a-f-]{36})$")
# A search big enough to still be running when the test cancels it (1m bars, ~90k base variants).
BIG_JOB_REQUEST = {
    "instrument_id": "1:BTCUSDT",
    "timeframe": "1m",
    "time_range": {"start": "2024-01-02T00:00:00Z", "end": "2024-02-14T00:00:00Z"},
    "indicators": [
        {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 2, "stop_incl": 300, "step": 1}}},
        {"indicator_id": "ma.ema", "params": {"window": {"mode": "range", "start": 2, "stop_incl": 300, "step": 1}}},
    ],
}


def open_search(live_app: LiveApp, page: Page) -> None:
    page.goto(f"{live_app.base_url}/backtests")
    expect(page.locator("#preflight .stat-value").first).to_be_visible()


def run_search(page: Page) -> dict:
    with page.expect_response(lambda r: r.url.endswith(RUN_PATH) and r.request.method == "POST") as answer:
        page.click("#run-search")
    assert answer.value.ok, answer.value.text()
    expect(page.locator("#run-search")).to_be_enabled()
    return answer.value.json()


def variant_keys(page: Page, table: str = "#results-table") -> list[str]:
    return page.locator(f"{table} tbody tr").evaluate_all("rows => rows.map(r => r.dataset.variantKey)")


def metric_column(page: Page, metric: str, table: str = "#results-table") -> list[float]:
    texts = page.locator(f"{table} td[data-metric='{metric}']").all_inner_texts()
    return [math.nan if text in ("n/a", "inf") else float(text.replace(",", "")) for text in texts]


def is_ordered(values: list[float], descending: bool) -> bool:
    """NaN sorts last whatever the direction, like the server's ranking."""
    finite = [v for v in values if not math.isnan(v)]
    assert all(math.isnan(v) for v in values[len(finite) :]), values
    return finite == sorted(finite, reverse=descending)


def test_sync_search_shows_ranking_only_and_caches_reports(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    reports = request_counter(page, "POST", REPORT_PATH)
    open_search(live_app, page)
    save_screenshots(page, "backtests-form")

    response = run_search(page)
    rows = page.locator("#results-table tbody tr")
    expect(rows).to_have_count(len(response["variants"]))
    assert len(response["variants"]) > 1
    assert variant_keys(page) == [v["variant_key"] for v in response["variants"]]
    assert is_ordered(metric_column(page, "total_return_pct"), descending=True)
    assert page.locator("#report").is_hidden() and reports == []

    with page.expect_response(lambda r: r.url.endswith(REPORT_PATH)) as answer:
        rows.nth(0).locator(".load-report").click()
    report = answer.value.json()
    expect(page.locator("#report h2")).to_have_text("Report · rank 1")
    expect(page.locator("#report .metrics-table tr").first).to_be_visible()
    expect(page.locator("#report [data-testid=price-chart] canvas").first).to_be_visible()
    assert report["variant_key"] == response["variants"][0]["variant_key"]
    assert report["ranking_metrics"]["total_return_pct"] == pytest.approx(
        response["variants"][0]["ranking_metrics"]["total_return_pct"], rel=1e-9
    )
    expect(page.locator("#report .trades-table tbody tr")).to_have_count(len(report["trades"]))

    rows.nth(0).locator(".load-report").click()
    page.wait_for_timeout(300)
    assert len(reports) == 1, "a cached report must not be fetched again"

    rows.nth(1).locator(".load-report").click()
    expect(page.locator("#report h2")).to_have_text("Report · rank 2")
    rows.nth(0).locator(".load-report").click()
    expect(page.locator("#report h2")).to_have_text("Report · rank 1")
    assert len(reports) == 2
    save_screenshots(page, "backtests-report")
    assert browser_page.errors == []


def test_changing_the_ranking_metric_reruns_the_search(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    runs = request_counter(page, "POST", RUN_PATH)
    open_search(live_app, page)
    run_search(page)
    by_return = variant_keys(page)

    page.click("#advanced summary")
    with page.expect_response(lambda r: r.url.endswith(RUN_PATH) and r.request.method == "POST") as answer:
        page.select_option("#primary-metric", "max_drawdown_pct")
    response = answer.value.json()
    assert response["ranking"]["primary_metric"] == "max_drawdown_pct"
    expect(page.locator("#results-table tbody tr").first).to_have_attribute(
        "data-variant-key", response["variants"][0]["variant_key"]
    )
    by_drawdown = variant_keys(page)
    assert by_drawdown != by_return
    assert is_ordered(metric_column(page, "max_drawdown_pct"), descending=False)
    assert len(runs) == 2

    # A header click re-orders the view only: no request, and the rank column keeps the server's ranks.
    page.click("button[data-sort-column='total_return_pct']")
    assert is_ordered(metric_column(page, "total_return_pct"), descending=True)
    ranks = [int(t) for t in page.locator("#results-table td.rank").all_inner_texts()]
    assert sorted(ranks) == list(range(1, len(ranks) + 1)) and ranks != sorted(ranks)
    page.wait_for_timeout(300)
    assert len(runs) == 2
    assert browser_page.errors == []


def test_api_errors_appear_next_to_their_field(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    window = page.locator("[data-field-path='indicators.0.params.window']")
    window.locator(".axis-mode").select_option("explicit")
    window.locator(".axis-values").fill("5, -3")
    expect(window.locator(".field-error")).to_be_visible()
    expect(page.locator("#banner")).to_be_hidden()

    window.locator(".axis-values").fill("5, 10")
    expect(window.locator(".field-error")).to_have_count(0)
    expect(page.locator("#preflight .stat-value").first).to_have_text("2")


def set_window_range(page: Page, index: int, start: int, stop: int, step: int) -> None:
    window = page.locator(f"[data-field-path='indicators.{index}.params.window']")
    window.locator(".axis-mode").select_option("range")
    for label, value in (("start", start), ("stop", stop), ("step", step)):
        window.locator(f"input[aria-label='window {label}']").fill(str(value))


def test_a_guard_refusal_stays_in_the_banner(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    set_window_range(page, 0, 2, 5000, 1)
    page.select_option("#indicator-picker", "ma.ema")
    page.click("#add-indicator")
    set_window_range(page, 1, 2, 5000, 1)
    expect(page.locator("#preflight .stat-value").first).to_have_text("24,990,001")
    expect(page.locator("#preflight .error-text").first).to_contain_text("Over the limits")

    with page.expect_response(lambda r: r.url.endswith(RUN_PATH) and r.request.method == "POST") as answer:
        page.click("#run-search")
    assert answer.value.status == 422
    expect(page.locator("#banner")).to_contain_text("24,990,001")
    expect(page.locator("#run-status")).to_contain_text("Failed")
    page.wait_for_timeout(1000)  # a later preflight (the blur's change event) must not wipe it
    expect(page.locator("#banner")).to_be_visible()


def test_job_runs_to_success_and_loads_a_report(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    reports = request_counter(page, "POST", REPORT_PATH)
    open_search(live_app, page)
    page.click("#submit-job")
    page.wait_for_url(JOB_URL)
    match = JOB_URL.match(page.url)
    assert match
    job_id = match.group(1)
    polls = request_counter(page, "GET", f"/api/backtests/jobs/{job_id}")

    expect(page.locator("#job-status .state")).to_have_text("succeeded", timeout=90_000)
    rows = page.locator("#job-top-table tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#cancel-job")).to_be_hidden()
    polls_at_end = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == polls_at_end, "polling must stop once the job is terminal"

    rows.nth(0).locator(".load-report").click()
    expect(page.locator("#report [data-testid=price-chart] canvas").first).to_be_visible()
    rows.nth(0).locator(".load-report").click()
    page.wait_for_timeout(300)
    assert len(reports) == 1
    save_screenshots(page, "job-details")

    page.goto(f"{live_app.base_url}/backtests/jobs")
    listed = page.locator(f"#jobs-table tr[data-job-id='{job_id}']")
    expect(listed.locator(".state")).to_have_text("succeeded")
    save_screenshots(page, "jobs-list")
    listed.locator("a").click()
    page.wait_for_url(f"**/backtests/jobs/{job_id}")
    assert browser_page.errors == []


def test_cancelling_a_running_job(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    with live_app.api() as api:
        created = api.post("/api/backtests/jobs", json=BIG_JOB_REQUEST)
    assert created.status_code == 201, created.text
    page.goto(f"{live_app.base_url}/backtests/jobs/{created.json()['job_id']}")
    expect(page.locator("#job-status .state")).to_have_text("running", timeout=60_000)
    page.click("#cancel-job")
    expect(page.locator("#job-status .state")).to_have_text("cancelled", timeout=60_000)
    expect(page.locator("#cancel-job")).to_be_hidden()
    assert browser_page.errors == []


def test_unknown_job_and_disabled_jobs_are_told_apart(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{live_app.base_url}/backtests/jobs/{uuid.uuid4()}")
    expect(page.locator(".notice-missing")).to_contain_text("Job not found")

    disabled = '{"error":{"code":"jobs_disabled","message":"async jobs are disabled by configuration","details":[]}}'
    page.route(
        "**/api/backtests/jobs/**",
        lambda route: route.fulfill(status=409, body=disabled, content_type="application/json"),
    )
    page.goto(f"{live_app.base_url}/backtests/jobs/{uuid.uuid4()}")
    expect(page.locator(".notice-disabled")).to_contain_text("disabled")
    expect(page.locator(".notice-missing")).to_have_count(0)


def test_pure_helpers_in_the_browser(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{live_app.base_url}/backtests/jobs")
    results = page.evaluate(
        """async () => {
            const errors = await import('/static/field_errors.js');
            const axes = await import('/static/axis_editor.js');
            const time = await import('/static/chart_time.js');
            return [
                errors.canonicalPath('body.indicators[0].params.window'),
                axes.rangeCount(0.5, 4.0, 0.01),
                axes.rangeCount(5, 200, 5),
                time.candleIndexAt([0, 10, 20], 19),
                time.candleTimeOfClose([0, 60000, 120000], 60000, 120000),
                time.snapLine([0, 120000], 60000, [60000, 120000, 180000], [1, 2, 3]),
                time.drawdownPct([100, 120, 90, 130]),
            ];
        }"""
    )
    assert results[:3] == ["indicators.0.params.window", 351, 40]
    # a close time lands on the candle holding the bar that closes then; several per candle keep the last
    assert results[3:6] == [1, 60, [{"time": 0, "value": 2}, {"time": 120, "value": 3}]]
    assert results[6] == pytest.approx([0, 0, -25, 0])


def test_jobs_list_pages_with_the_cursor(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    tiny = {**BIG_JOB_REQUEST, "timeframe": "4h", "indicators": BIG_JOB_REQUEST["indicators"][:1]}
    with live_app.api() as api:
        older, newer = (api.post("/api/backtests/jobs", json=tiny).json()["job_id"] for _ in range(2))
    page.goto(f"{live_app.base_url}/backtests/jobs?limit=1")
    rows = page.locator("#jobs-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", newer)
    expect(page.locator("#jobs-newer")).to_be_disabled()

    page.click("#jobs-older")
    expect(rows.first).to_have_attribute("data-job-id", older)
    page.click("#jobs-newer")
    expect(rows.first).to_have_attribute("data-job-id", newer)
    expect(page.locator("#jobs-newer")).to_be_disabled()
    assert browser_page.errors == []


def test_stop_aborts_a_running_search(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    page.select_option("#timeframe", "1m")
    set_window_range(page, 0, 2, 300, 1)
    page.select_option("#indicator-picker", "ma.ema")
    page.click("#add-indicator")
    set_window_range(page, 1, 2, 300, 1)
    expect(page.locator("#preflight .stat-value").first).to_have_text("89,401")

    page.click("#run-search")
    expect(page.locator("#stop-search")).to_be_visible()
    page.click("#stop-search")
    expect(page.locator("#run-status")).to_have_text("Stopped.")
    expect(page.locator("#stop-search")).to_be_hidden()
    expect(page.locator("#run-search")).to_be_enabled()
    expect(page.locator("#results")).to_be_hidden()
    assert browser_page.errors == []


def test_same_outcome_counts_show_and_members_open_on_demand(
    live_app: LiveApp, browser_page: BrowserPage, tmp_path: Path
) -> None:
    page = browser_page.page
    open_search(live_app, page)
    never_triggering = {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "4h",
        "time_range": {"start": "2024-01-10T00:00:00Z", "end": "2024-02-10T00:00:00Z"},
        "indicators": [{"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [5, 10]}}}],
        # stops 60-95% away and take-profits of 5000%+ never trigger: each window is one outcome of 4 variants
        "risk": {"sl_pct": {"mode": "explicit", "values": [None, 95.0]},
                 "tp_pct": {"mode": "explicit", "values": [None, 5000.0]}},
    }  # fmt: skip
    (tmp_path / "never.yaml").write_text(yaml.safe_dump(never_triggering))
    page.set_input_files("#import-request", str(tmp_path / "never.yaml"))
    expect(page.locator("#request-file-status")).to_have_text("Loaded never.yaml.")
    response = run_search(page)
    assert [v["same_outcome"]["count"] for v in response["variants"]] == [4, 4]
    rows = page.locator("#results-table tbody tr")
    expect(rows).to_have_count(2)
    groups = page.locator("#results-table .same-outcome")
    expect(groups.locator("summary")).to_have_text(["× 4 same outcome", "× 4 same outcome"])
    members = groups.nth(0).locator("li")
    expect(members).to_have_count(4)
    expect(members.first).to_be_hidden()  # the members open on demand
    groups.nth(0).locator("summary").click()
    expect(members.first).to_be_visible()
    listed = members.all_inner_texts()
    assert sorted(listed) == ["sl_pct 95, tp_pct 5000", "sl_pct 95, tp_pct off", "sl_pct off, tp_pct 5000",
                              "sl_pct off, tp_pct off"]  # fmt: skip
    keys = members.evaluate_all("items => items.map(i => i.dataset.variantKey)")
    assert keys == [m["variant_key"] for m in response["variants"][0]["same_outcome"]["members"]]
    save_screenshots(page, "same-outcome-members")
    # unticking "One row per outcome" sends collapse_same_outcome: false and lists every variant
    expect(page.locator("#collapse-same-outcome")).to_be_checked()  # the server's default
    page.locator("#collapse-same-outcome").uncheck()
    every_variant = run_search(page)
    assert every_variant["ranking"]["collapse_same_outcome"] is False
    assert [v.get("same_outcome") for v in every_variant["variants"]] == [None] * 8
    assert sorted(v["variant_key"] for v in every_variant["variants"]) == sorted(
        m["variant_key"] for v in response["variants"] for m in v["same_outcome"]["members"]
    )
    expect(rows).to_have_count(8)
    expect(page.locator("#results-table .same-outcome")).to_have_count(0)
    assert browser_page.errors == []


def test_the_web_csv_has_the_cli_csv_columns(live_app: LiveApp, browser_page: BrowserPage, tmp_path: Path) -> None:
    """Same header as `trading backtest run --csv` for the same response: metrics, the same-outcome count,
    the stability figures, one column per parameter, the payload; and the same cells."""
    request = {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "4h",
        "time_range": {"start": "2024-01-10T00:00:00Z", "end": "2024-02-10T00:00:00Z"},
        "indicators": [{"indicator_id": "momentum.rsi", "params": {"window": {"mode": "explicit", "values": [7, 14]}}}],
        "risk": {"sl_pct": {"mode": "explicit", "values": [None, 95.0]}},
    }
    with live_app.api() as api:
        answer = api.post(RUN_PATH, json=request)
    assert answer.status_code == 200, answer.text
    response = RunBacktestResponse.model_validate(answer.json())
    export_csv(response, tmp_path / "cli.csv")
    cli = list(csv.reader((tmp_path / "cli.csv").open()))
    page = browser_page.page
    page.goto(f"{live_app.base_url}/backtests/jobs")
    text = page.evaluate(
        "async (rows) => (await import('/static/request_io.js')).rankedRowsToCsv(rows)", answer.json()["variants"]
    )
    web = list(csv.reader(io.StringIO(text)))
    assert web[0] == cli[0]
    assert {"same_outcome_count", "stability_mean", "stability_worst", "stability_neighbours"} <= set(web[0])
    assert {"momentum.rsi.window", "momentum.rsi.long_threshold", "sl_pct"} <= set(web[0])
    columns = ["rank", "variant_key", "same_outcome_count", "momentum.rsi.window", "sl_pct", "tp_pct"]
    columns += ["stability_mean", "stability_worst", "stability_neighbours"]
    in_web, in_cli = ([header.index(name) for name in columns] for header in (web[0], cli[0]))
    # JavaScript writes 95 where Python writes 95.0: compare the numbers
    assert [[_number_or_text(row[i]) for i in in_web] for row in web[1:]] == [
        [_number_or_text(row[i]) for i in in_cli] for row in cli[1:]
    ]
    # the 95% stop never triggers: each signal variant's two stops are one outcome (several may share one)
    assert {int(row[in_web[2]]) % 2 for row in web[1:]} == {0}


def _number_or_text(cell: str) -> float | str:
    try:
        return float(cell)
    except ValueError:
        return cell
