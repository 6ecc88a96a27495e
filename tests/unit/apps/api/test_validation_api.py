"""Validation endpoints over the real engine: heatmap cells are the sync search's ranking metrics,
errors keep the one error shape with the numbers the user needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.api.app import create_app
from tests.unit.apps.api.api_support import grid_request, make_settings

RUN_CONTEXT_KEYS = ("instrument_id", "timeframe", "time_range", "warmup_bars")
SEARCH = grid_request(
    risk={"sl_pct": {"mode": "explicit", "values": [None, 2.0]}, "tp_pct": {"mode": "explicit", "values": [1.0, 3.0]}},
    top_k=8,
    ranking={"collapse_same_outcome": False},  # every variant a row: the heatmap cells compare with them
)


@pytest.fixture(scope="module")
def real(candles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    database = tmp_path_factory.mktemp("heatmap-db") / "jobs.sqlite3"
    with TestClient(create_app(make_settings(candles_dir, database_url=f"sqlite:///{database}"))) as client:
        yield client


def _heatmap_body(variant: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "run_context": {key: SEARCH[key] for key in RUN_CONTEXT_KEYS},
        "variant": variant["payload"],
        "indicators": SEARCH["indicators"],
        "risk": SEARCH["risk"],
    }
    return {**body, **overrides}


def test_default_heatmap_is_sl_by_tp_with_the_search_metrics(real: TestClient) -> None:
    search = real.post("/api/backtests", json=SEARCH)
    assert search.status_code == 200, search.text
    rows = search.json()["variants"]
    assert len(rows) == 8
    variant = rows[0]
    response = real.post("/api/backtests/heatmap", json=_heatmap_body(variant))
    assert response.status_code == 200, response.text
    heatmap = response.json()
    assert (heatmap["x_axis"], heatmap["y_axis"], heatmap["metric"]) == ("sl_pct", "tp_pct", "total_return_pct")
    assert (heatmap["x_values"], heatmap["y_values"]) == ([None, 2.0], [1.0, 3.0])
    window = variant["payload"]["indicator_selections"][0]["params"]["window"]
    compared = 0
    for row in rows:
        if row["payload"]["indicator_selections"][0]["params"]["window"] != window:
            continue
        risk = row["payload"]["risk_params"]
        cell = heatmap["values"][heatmap["y_values"].index(risk["tp_pct"])][heatmap["x_values"].index(risk["sl_pct"])]
        assert cell == row["ranking_metrics"]["total_return_pct"]
        compared += 1
    assert compared == 4
    own = variant["payload"]["risk_params"]
    assert heatmap["x_values"][heatmap["variant_x"]] == own["sl_pct"]
    assert heatmap["y_values"][heatmap["variant_y"]] == own["tp_pct"]


def test_too_many_cells_is_a_422_naming_the_numbers(real: TestClient) -> None:
    search = grid_request(
        indicators=[
            {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 2, "stop_incl": 400, "step": 1}}}
        ],
        risk={"sl_pct": {"mode": "range", "start": 0.1, "stop_incl": 20, "step": 0.1}},
    )
    payload = {"payload": real.post("/api/backtests", json=grid_request()).json()["variants"][0]["payload"]}
    body = {**_heatmap_body(payload), "indicators": search["indicators"], "risk": search["risk"]}
    response = real.post("/api/backtests/heatmap", json={**body, "x_axis": "ma.sma.window", "y_axis": "sl_pct"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["cells"], error["max_cells"]) == ("heatmap_too_large", 399 * 200, 40_000)
    assert "79,800 cells (399 ma.sma.window x 200 sl_pct)" in error["message"]


def test_unknown_axis_points_at_the_body_field(real: TestClient) -> None:
    variant = real.post("/api/backtests", json=SEARCH).json()["variants"][0]
    response = real.post("/api/backtests/heatmap", json=_heatmap_body(variant, y_axis="ma.sma.length"))
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [(d["path"], d["code"]) for d in details] == [("body.y_axis", "unknown_axis")]


def test_holdout_runs_sync_and_is_accepted_as_a_job(real: TestClient) -> None:
    body = {**SEARCH, "validation": {"mode": "holdout", "oos_fraction": 0.25}}
    response = real.post("/api/backtests", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["validation"]["rows"] == len(result["variants"]) == 8
    assert all(set(row["oos_metrics"]) == set(row["ranking_metrics"]) for row in result["variants"])
    created = real.post("/api/backtests/jobs", json=body)
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    pending = real.get(f"/api/backtests/jobs/{job_id}/validation").json()
    assert (pending["state"], pending["validation"]) == ("queued", None)  # stored when a worker finishes it
    real.post(f"/api/backtests/jobs/{job_id}/cancel")


def test_walk_forward_folds_that_do_not_fit_are_refused_before_enqueue(real: TestClient) -> None:
    body = {**SEARCH, "validation": {"mode": "walk_forward", "folds": 5, "train": 0.5, "test": 0.25}}
    refused = real.post("/api/backtests/jobs", json=body)
    assert refused.status_code == 422
    assert [(d["path"], d["code"]) for d in refused.json()["error"]["details"]] == [
        ("body.validation.folds", "out_of_bounds")
    ]


def test_walk_forward_runs_sync_with_folds_and_stitched_equity(real: TestClient) -> None:
    body = {**SEARCH, "validation": {"mode": "walk_forward", "folds": 2, "train": 0.5, "test": 0.25}}
    response = real.post("/api/backtests", json=body)
    assert response.status_code == 200, response.text
    report = response.json()["validation"]
    assert report["mode"] == "walk_forward" and len(report["folds"]) == 2
    assert report["folds"][0]["test_end"] == report["folds"][1]["test_start"]
    assert len(report["stitched_equity"]["ts_ms"]) == len(report["stitched_equity"]["equity"]) > 0
    assert sum(sum(counts.values()) for counts in report["parameter_frequencies"].values()) % 2 == 0
