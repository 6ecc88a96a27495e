"""Sync endpoints over the real staged search and synthetic candles: the API adds nothing and drops
nothing, ranks stay in order, reports reproduce ranking metrics, guards and deadline have their codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.api.app import create_app
from tests.unit.apps.api.api_support import config_for_tests, grid_request, make_settings
from tests.unit.apps.api.conftest import ClientFactory
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.use_cases.run_backtest import run_backtest

RUN_CONTEXT_KEYS = ("instrument_id", "timeframe", "time_range", "warmup_bars")


@pytest.fixture(scope="module")
def real(candles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    database = tmp_path_factory.mktemp("real-db") / "jobs.sqlite3"
    app = create_app(make_settings(candles_dir, database_url=f"sqlite:///{database}"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def ranking(real: TestClient) -> dict[str, Any]:
    response = real.post("/api/backtests", json=grid_request())
    assert response.status_code == 200, response.text
    return response.json()


def test_sync_response_is_the_use_case_result_unchanged(real: TestClient, ranking: dict[str, Any]) -> None:
    direct = run_backtest(RunBacktestRequest.model_validate(grid_request()), real.app.state.backtest_context)  # type: ignore[attr-defined]
    assert {k: v for k, v in ranking.items() if k != "timings"} == direct.model_dump(mode="json", exclude={"timings"})
    assert set(ranking["timings"]) == set(direct.timings)


def test_variants_come_in_rank_order_one_row_per_outcome(ranking: dict[str, Any]) -> None:
    variants = ranking["variants"]
    # 2 windows x 2 stop-losses; the 2% stop never triggers, so each window is one outcome of 2 variants
    assert [v["rank"] for v in variants] == [1, 2]
    assert (ranking["stage_a_variants_total"], ranking["stage_b_variants_total"]) == (2, 4)
    assert ranking["ranking"]["collapse_same_outcome"] is True
    for variant in variants:
        group = variant["same_outcome"]
        assert group["count"] == 2 and group["members"][0]["variant_key"] == variant["variant_key"]
        assert sorted(str(member["params"]) for member in group["members"]) == ["{'sl_pct': 2.0}", "{'sl_pct': None}"]
    keys = [(-v["ranking_metrics"]["total_return_pct"], v["variant_key"]) for v in variants]
    assert keys == sorted(keys)
    for variant in variants:
        assert variant["report"] is None
        assert variant["total_return_pct"] == variant["ranking_metrics"]["total_return_pct"]


def test_each_rows_report_reproduces_its_ranking_metrics(real: TestClient, ranking: dict[str, Any]) -> None:
    run_context = {key: grid_request()[key] for key in RUN_CONTEXT_KEYS}
    for variant in ranking["variants"]:
        response = real.post(
            "/api/backtests/variant-report",
            json={"run_context": run_context, "variant": variant["payload"], "top_trades_n": 5},
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["variant_key"], report["indicator_variant_key"]) == (
            variant["variant_key"],
            variant["indicator_variant_key"],
        )
        row_metrics = variant["ranking_metrics"]
        assert {name: report["ranking_metrics"][name] for name in row_metrics} == row_metrics
        assert len(row_metrics) == 13  # all but the daily ratios, which this ranking does not use
        assert len(report["trades"]) == min(5, report["trades_total"])
        assert report["table_md"].startswith("|")


def test_preflight_counts_before_any_compute(real: TestClient) -> None:
    preflight = real.post("/api/backtests/preflight", json=grid_request()).json()
    assert (preflight["stage_a_variants_total"], preflight["risk_variants_total"]) == (2, 2)
    assert (preflight["stage_b_variants_total"], preflight["top_k"], preflight["preselect"]) == (4, 3, 4)
    assert preflight["bars"]["target"] == 48  # two days of 1h bars
    assert (preflight["fits"], preflight["problems"]) == (True, [])


def test_application_field_errors_are_reported_under_body(real: TestClient) -> None:
    response = real.post("/api/backtests", json=grid_request(indicators=[{"indicator_id": "ma.nope"}]))
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert (detail["path"], detail["code"]) == ("body.indicators[0].indicator_id", "unknown_indicator")


def test_unknown_instrument_is_404(real: TestClient) -> None:
    response = real.post("/api/backtests/preflight", json=grid_request(instrument_id="1:NOPE"))
    assert (response.status_code, response.json()["error"]["code"]) == (404, "unknown_instrument")


def test_guard_breach_names_the_numbers_for_sync_preflight_and_jobs(make_client: ClientFactory) -> None:
    config = config_for_tests()
    small = config.model_copy(update={"guards": config.guards.model_copy(update={"max_variants_per_compute": 3})})
    client = make_client(real=True, backtest_config=small)
    sync = client.post("/api/backtests", json=grid_request())
    assert sync.status_code == 422
    error = sync.json()["error"]
    assert error["code"] == "too_many_variants" and (error["requested"], error["allowed"]) == (4, 3)
    preflight = client.post("/api/backtests/preflight", json=grid_request()).json()
    assert preflight["fits"] is False and preflight["problems"][0]["code"] == "too_many_variants"
    job = client.post("/api/backtests/jobs", json=grid_request())
    assert (job.status_code, job.json()["error"]) == (422, error)
    assert client.get("/api/backtests/jobs").json()["items"] == []


def test_runtime_defaults_reflect_the_config(real: TestClient) -> None:
    defaults = real.get("/api/backtests/runtime-defaults").json()
    sizes = (defaults["warmup_bars_default"], defaults["top_k_default"], defaults["preselect_default"])
    assert sizes == (200, 100, 200)
    ranking = defaults["ranking"]
    assert (ranking["constraints_default"], ranking["max_constraints"]) == ([], 8)
    assert ranking["constraint_ops"] == [">=", "<=", ">", "<"]
    assert ranking["collapse_same_outcome_default"] is True
    allowed = ranking["allowed_metrics"]
    assert allowed[:4] == [
        {
            "id": "total_return_pct",
            "name": "total_return_pct",
            "label": "Total Return [%]",
            "direction": "desc",
            "unit": "percent",
        },
        {
            "id": "max_drawdown_pct",
            "name": "max_drawdown_pct",
            "label": "Max. Drawdown [%]",
            "direction": "asc",
            "unit": "percent",
        },
        {
            "id": "return_over_max_drawdown",
            "name": "return_over_max_drawdown",
            "label": "Return / Max. Drawdown",
            "direction": "desc",
            "unit": "ratio",
        },
        {
            "id": "profit_factor",
            "name": "profit_factor",
            "label": "Profit Factor",
            "direction": "desc",
            "unit": "ratio",
        },
    ]
    by_id = {metric["id"]: metric for metric in allowed}
    assert len(by_id) == 16
    assert (by_id["sharpe_ratio"]["label"], by_id["sharpe_ratio"]["direction"]) == ("Sharpe Ratio", "desc")
    assert (by_id["num_trades"]["unit"], by_id["max_drawdown_duration_bars"]["direction"]) == ("count", "asc")
    assert defaults["jobs"] == {"enabled": True, "top_k_persisted_default": 300, "max_active_jobs_per_user": 4}
    assert (defaults["sync_deadline_seconds"], defaults["eager_top_reports_enabled"]) == (30.0, False)


def test_job_submission_uses_the_real_preflight(real: TestClient) -> None:
    created = real.post("/api/backtests/jobs", json=grid_request())
    assert created.status_code == 201
    job = real.get(f"/api/backtests/jobs/{created.json()['job_id']}").json()
    assert job["run_context"] == {key: grid_request()[key] for key in RUN_CONTEXT_KEYS}


def test_past_the_sync_deadline_the_run_fails_suggesting_a_job(make_client: ClientFactory) -> None:
    config = config_for_tests()
    instant = config.model_copy(update={"sync": config.sync.model_copy(update={"sync_deadline_seconds": 1e-9})})
    response = make_client(real=True, backtest_config=instant).post("/api/backtests", json=grid_request())
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["deadline_seconds"]) == ("sync_deadline_exceeded", 1e-9)
    assert "/api/backtests/jobs" in error["message"]


CONSTRAINED_ENDPOINTS = ["/api/backtests", "/api/backtests/preflight", "/api/backtests/jobs"]


@pytest.mark.parametrize("endpoint", CONSTRAINED_ENDPOINTS)
def test_an_unknown_constraint_metric_is_422_naming_the_field_and_the_allowed_ids(
    real: TestClient, endpoint: str
) -> None:
    body = grid_request(constraints=[{"metric": "sharpe", "op": ">=", "value": 1}])
    response = real.post(endpoint, json=body)
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert detail["path"] == "body.constraints[0].metric"
    assert "'sharpe_ratio'" in detail["message"] and "'num_trades'" in detail["message"]


@pytest.mark.parametrize(
    ("constraint", "path"),
    [
        ({"metric": "num_trades", "op": "==", "value": 1}, "body.constraints[0].op"),
        ({"metric": "num_trades", "op": ">=", "value": "1"}, "body.constraints[0].value"),
        ({"metric": "num_trades", "op": ">="}, "body.constraints[0].value"),
    ],
)
def test_a_bad_constraint_is_422_naming_the_field(real: TestClient, constraint: dict[str, Any], path: str) -> None:
    response = real.post("/api/backtests", json=grid_request(constraints=[constraint]))
    assert response.status_code == 422
    assert [d["path"] for d in response.json()["error"]["details"]] == [path]


@pytest.mark.parametrize("endpoint", CONSTRAINED_ENDPOINTS)
def test_more_constraints_than_the_config_allows_is_422(real: TestClient, endpoint: str) -> None:
    limit = real.app.state.backtest_context.config.ranking.max_constraints  # type: ignore[attr-defined]
    many = [{"metric": "num_trades", "op": ">=", "value": float(n)} for n in range(limit + 1)]
    jobs_before = real.get("/api/backtests/jobs").json()["items"]
    response = real.post(endpoint, json=grid_request(constraints=many))
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert detail["path"] == "body.constraints"
    assert real.get("/api/backtests/jobs").json()["items"] == jobs_before  # nothing was enqueued


def test_constrained_rows_meet_the_constraint_and_the_rejections_are_counted(real: TestClient) -> None:
    constraint = {"metric": "max_drawdown_pct", "op": "<=", "value": 1.0}
    response = real.post("/api/backtests", json=grid_request(constraints=[constraint]))
    assert response.status_code == 200, response.text
    result = response.json()
    assert all(v["ranking_metrics"]["max_drawdown_pct"] <= 1.0 for v in result["variants"])
    (counts,) = result["constraint_rejections"]
    assert counts["constraint"] == constraint
    assert counts["stage_b"] == result["stage_b_variants_total"] - len(result["variants"])  # top_k 3 > survivors
