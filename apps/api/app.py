"""The FastAPI app: built once from ApiSettings, serving the API and (when present) the web UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from apps.api.admission import AdmissionGate, PlanningLane
from apps.api.body_limit import BodySizeLimitMiddleware
from apps.api.dto.catalog import IndicatorListing
from apps.api.errors import install_error_handlers
from apps.api.routes import backtest_jobs, backtests, candles, catalog
from apps.api.settings import ApiSettings, settings_from_env
from apps.api.trusted_hosts import TrustedHostMiddleware
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.services.catalogue import list_indicators

WEB_DIST_DIR = Path(__file__).resolve().parents[1] / "web" / "dist"
WEB_ROUTES_MODULE = "apps.web.routes"
DOCS_ASSETS_DIR = Path(__file__).resolve().parent / "docs_assets"
DOCS_ASSETS_URL = "/api-docs-assets"


def _open_jobs_store(settings: ApiSettings) -> BacktestJobsRepository | None:
    """None when jobs are disabled by config: the jobs endpoints then answer `jobs_disabled`."""
    if not settings.backtest_config.jobs.enabled:
        return None
    repository = open_jobs_repository(settings.database_url)
    if settings.migrate_on_startup:
        repository.migrate()
    return repository


def _include_web_ui(app: FastAPI) -> None:
    """The web UI plugs in by existing: `apps.web.routes.router` (pages) and `apps/web/dist` (at /static)."""
    try:
        from apps.web.routes import router as web_router
    except ModuleNotFoundError as exc:
        if exc.name not in ("apps.web", WEB_ROUTES_MODULE):
            raise
    else:
        app.include_router(web_router)
    if WEB_DIST_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=WEB_DIST_DIR), name="static")


def _serve_offline_docs(app: FastAPI) -> None:
    """Swagger UI from the vendored swagger-ui-dist files: `/docs` must render with the network off."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon-32x32.png",
        )


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """Without settings, reads them from the environment (TRADING_ENV, TRADING_DATA_DIR, ...)."""
    settings = settings or settings_from_env()
    jobs_store = _open_jobs_store(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if jobs_store is not None:
            jobs_store.close()

    app = FastAPI(
        title="Trading backtest API",
        version="1",
        summary="Staged grid-search backtests: sync runs, async jobs, variant reports.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.backtest_context = BacktestContext(data_dir=str(settings.data_dir), config=settings.backtest_config)
    app.state.indicator_catalogue = [
        IndicatorListing.model_validate(entry)
        for entry in list_indicators(default_registry(), settings.indicator_defaults)
    ]
    app.state.jobs_repository = jobs_store
    app.state.sync_admission = AdmissionGate(settings.backtest_config.sync.admission)
    app.state.planning_lane = PlanningLane(settings.backtest_config.sync.admission.max_planning_threads)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.backtest_config.guards.max_request_body_bytes)
    if settings.trusted_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    _serve_offline_docs(app)
    for module in (backtests, backtest_jobs, catalog, candles):
        app.include_router(module.router)
    _include_web_ui(app)
    return app
