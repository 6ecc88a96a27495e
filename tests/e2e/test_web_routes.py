"""The page routes on their own (no browser): redirects, templates, script tags, escaping."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from apps.web.routes import router

JOB_ID = "0b7c2a9e-3f4d-4c55-9d7e-2a1f6c8b9e10"


def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_root_redirects_to_the_search_page() -> None:
    answer = client().get("/", follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "/backtests"


def test_each_page_loads_its_own_script() -> None:
    pages = {
        "/backtests": ('data-page="backtests"', "/static/backtest_ui.js"),
        "/backtests/jobs": ('data-page="jobs-list"', "/static/backtest_jobs_ui.js"),
        f"/backtests/jobs/{JOB_ID}": (f'data-job-id="{JOB_ID}"', "/static/backtest_jobs_ui.js"),
    }
    for path, (marker, script) in pages.items():
        answer = client().get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html")
        assert marker in answer.text and f'src="{script}"' in answer.text, path


def test_job_id_is_escaped_into_the_page() -> None:
    text = client().get('/backtests/jobs/"><img src=x onerror=alert(1)>').text
    assert "<img" not in text
    assert 'data-job-id="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in text
