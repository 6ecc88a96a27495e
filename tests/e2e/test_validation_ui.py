"""Validation in the browser against the real app and worker: a holdout search shows its OOS and
stability columns; a report shows the SL x TP heatmap with the variant's cell marked and a click on a
cell loads that cell's report; a walk-forward job runs to success and shows the stitched equity."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BrowserPage, LiveApp, save_screenshots
from tests.e2e.test_backtest_ui import JOB_URL, REPORT_PATH, open_search, run_search

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

HEATMAP_PATH = "/api/backtests/heatmap"


def _choose_validation(page: Page, mode: str) -> None:
    page.click("#advanced summary")
    page.select_option("#validation-mode", mode)


def _numbers(page: Page, selector: str) -> list[float | None]:
    texts = page.locator(selector).all_inner_texts()
    return [None if text == "n/a" else float(text.replace(",", "")) for text in texts]


def test_holdout_columns_and_a_heatmap_cell_opens_its_report(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    open_search(live_app, page)
    _choose_validation(page, "holdout")
    page.fill("#oos-fraction", "0.3")
    response = run_search(page)
    rows = response["variants"]
    assert response["validation"]["mode"] == "holdout" and len(rows) > 1

    expect(page.locator("#results-table th.oos").first).to_be_visible()
    expected_oos = [round(row["oos_metrics"]["total_return_pct"], 2) for row in rows]
    assert _numbers(page, "#results-table td[data-column='oos.total_return_pct']") == expected_oos
    expected_mean = [round(row["stability"]["mean"], 2) for row in rows]
    assert _numbers(page, "#results-table td[data-column='stability.mean']") == expected_mean
    expect(page.locator("[data-testid=holdout-summary]")).to_contain_text("profitable out of sample")

    with page.expect_response(lambda r: r.url.endswith(HEATMAP_PATH)) as heat:
        page.locator("#results-table tbody tr").nth(0).locator(".load-report").click()
    heatmap = heat.value.json()
    assert (heatmap["x_axis"], heatmap["y_axis"]) == ("sl_pct", "tp_pct")
    cells = page.locator("[data-testid=heatmap-table] .heat-cell")
    expect(cells).to_have_count(len(heatmap["x_values"]) * len(heatmap["y_values"]))
    own = page.locator(".heat-cell.own")
    expect(own).to_have_count(1)
    assert (own.get_attribute("data-x"), own.get_attribute("data-y")) == (
        str(heatmap["variant_x"]),
        str(heatmap["variant_y"]),
    )
    save_screenshots(page, "report-heatmap")

    x, y = (heatmap["variant_x"] + 1) % len(heatmap["x_values"]), heatmap["variant_y"]
    target = page.locator(f".heat-cell[data-x='{x}'][data-y='{y}']")
    target.hover()
    expect(page.locator("[data-testid=heatmap-hover]")).to_contain_text(f"sl_pct={heatmap['x_values'][x] or 'off'}")
    with page.expect_response(lambda r: r.url.endswith(REPORT_PATH)) as answer:
        target.click()
    sent = json.loads(answer.value.request.post_data or "{}")
    assert sent["variant"]["risk_params"]["sl_pct"] == heatmap["x_values"][x]
    assert sent["variant"]["risk_params"]["tp_pct"] == heatmap["y_values"][y]
    report = answer.value.json()
    assert report["ranking_metrics"][heatmap["metric"]] == heatmap["values"][y][x]  # the cell is that variant
    expect(page.locator("#report h2").first).to_contain_text("heatmap cell sl_pct=")
    expect(page.locator("#report [data-testid=price-chart] canvas").first).to_be_visible()
    expect(page.locator(".heat-cell.own")).to_have_attribute("data-x", str(x))  # re-centred on the cell
    assert browser_page.errors == []


def test_walk_forward_job_runs_to_success_and_shows_the_stitched_equity(
    live_app: LiveApp, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    open_search(live_app, page)
    _choose_validation(page, "walk_forward")
    page.fill("#wf-folds", "3")
    page.fill("#wf-train", "0.4")
    page.fill("#wf-test", "0.2")
    page.click("#submit-job")
    page.wait_for_url(JOB_URL)
    expect(page.locator("#job-status .state")).to_have_text("succeeded", timeout=120_000)

    match = JOB_URL.match(page.url)
    assert match
    with live_app.api() as api:
        stored = api.get(f"/api/backtests/jobs/{match.group(1)}/validation").json()["validation"]
    assert stored["mode"] == "walk_forward" and len(stored["folds"]) == 3
    expect(page.locator("[data-testid=fold-table] tbody tr")).to_have_count(3)
    chart = page.locator("[data-testid=stitched-equity]")
    expect(chart.locator("canvas").first).to_be_visible()
    assert int(chart.get_attribute("data-points") or 0) > 10
    expect(page.locator("[data-testid=walk-forward-summary]")).to_contain_text(
        re.compile(r"walk-forward efficiency")
    )
    save_screenshots(page, "walk-forward-job")
    assert browser_page.errors == []


def test_heatmap_helpers_name_axes_by_alias_and_rank_colours(live_app: LiveApp, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{live_app.base_url}/backtests")
    names, payload, shades = page.evaluate(
        """async () => {
            const heat = await import('/static/heatmap_view.js');
            const request = {indicators: [
                {indicator_id: 'ma.sma', alias: 'fast', params: {window: {}}},
                {indicator_id: 'ma.sma', alias: 'slow', params: {window: {}}},
                {indicator_id: 'momentum.rsi', params: {window: {}}, signals: {long_threshold: {}}},
            ]};
            const axes = heat.gridAxes(request);
            const byName = (name) => axes.find((axis) => axis.name === name);
            const payload = {
                indicator_selections: [
                    {indicator_id: 'ma.sma', alias: 'fast', inputs: {source: 'close'}, params: {window: 5}},
                    {indicator_id: 'ma.sma', alias: 'slow', inputs: {source: 'close'}, params: {window: 50}},
                    {indicator_id: 'momentum.rsi', inputs: {source: 'close'}, params: {window: 14}},
                ],
                signal_params: {'momentum.rsi': {long_threshold: 55}},
                risk_params: {sl_pct: null, tp_pct: 5},
            };
            const cell = heat.cellPayload(payload, [[byName('slow.window'), 100], [byName('sl_pct'), 2]]);
            const rsi = heat.cellPayload(payload, [[byName('momentum.rsi.signals.long_threshold'), 60]]);
            return [
                axes.map((axis) => axis.name),
                [cell.indicator_selections.map((s) => s.params.window), cell.risk_params, payload.risk_params.sl_pct,
                 rsi.signal_params['momentum.rsi'].long_threshold],
                [heat.cellShades([[1, 3], [2, null]], 'total_return_pct'),
                 heat.cellShades([[1, 3]], 'max_drawdown_pct')],
            ];
        }"""
    )
    assert names == [
        "fast.window",
        "slow.window",
        "momentum.rsi.window",
        "momentum.rsi.signals.long_threshold",
        "sl_pct",
        "tp_pct",
    ]
    assert payload == [[5, 100, 14], {"sl_pct": 2, "tp_pct": 5}, None, 60]  # the row's payload is left as it was
    assert shades == [[[0, 1], [0.5, None]], [[1, 0]]]  # lower drawdown is better
