"""Worker-process tests run once per job store (SQLite file, PostgreSQL server)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest_pg import pg_schema_url  # noqa: F401  (fixture)
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext

from .support import job_config, write_candles


@dataclass(frozen=True)
class Store:
    repo: BacktestJobsRepository
    url: str  # what the worker processes open


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candles(tmp_path_factory.mktemp("jobs_data"))


@pytest.fixture(scope="session")
def reference_ctx(data_dir: Path) -> BacktestContext:
    return BacktestContext(str(data_dir), job_config())


@pytest.fixture(scope="session")
def migrated_pg_url(pg_schema_url: str) -> str:  # noqa: F811
    repo = open_jobs_repository(pg_schema_url)
    try:
        repo.migrate()
    finally:
        repo.close()
    return pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/jobs.sqlite3"
        repo = open_jobs_repository(url)
        repo.migrate()
    else:
        url = request.getfixturevalue("migrated_pg_url")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "TRUNCATE backtest_jobs, backtest_job_top_variants, backtest_job_checkpoints, backtest_job_validation"
            )
        repo = open_jobs_repository(url)
    try:
        yield Store(repo, url)
    finally:
        repo.close()
