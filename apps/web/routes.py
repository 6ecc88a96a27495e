"""Server-rendered pages of the backtest UI. Pages carry no data: their scripts read the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

WEB_ROOT = Path(__file__).resolve().parent
DIST_DIR = WEB_ROOT / "dist"
templates = Jinja2Templates(directory=WEB_ROOT / "templates")

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/backtests", status_code=307)


@router.get("/backtests", response_class=HTMLResponse)
def backtests_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "backtests.html", {"nav": "search"})


@router.get("/backtests/jobs", response_class=HTMLResponse)
def jobs_list_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "backtest_jobs_list.html", {"nav": "jobs"})


@router.get("/backtests/jobs/{job_id}", response_class=HTMLResponse)
def job_details_page(request: Request, job_id: str) -> HTMLResponse:
    """Any id renders; the page shows the API's answer (404 vs jobs disabled) itself."""
    return templates.TemplateResponse(request, "backtest_job_details.html", {"nav": "jobs", "job_id": job_id})
