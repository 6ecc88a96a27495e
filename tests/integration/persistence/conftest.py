"""The contract fixture: every test here runs once per job-store adapter (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.conftest_pg import pg_schema_url  # noqa: F401  (fixture)
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """Time that moves only when a test says so; lease expiry without sleeping."""

    current: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Store:
    repo: BacktestJobsRepository
    url: str  # opens the same store from another process
    clock: FakeClock


@pytest.fixture(scope="session")
def migrated_pg_url(pg_schema_url: str) -> str:  # noqa: F811
    repo = open_jobs_repository(pg_schema_url)
    try:
        repo.migrate()
    finally:
        repo.close()
    return pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    clock = FakeClock()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('jobs')}/jobs.sqlite3"
        repo = open_jobs_repository(url, now=clock)
        repo.migrate()
    else:
        url = request.getfixturevalue("migrated_pg_url")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "TRUNCATE backtest_jobs, backtest_job_top_variants, backtest_job_checkpoints, backtest_job_validation"
            )
        repo = open_jobs_repository(url, now=clock)
    try:
        yield Store(repo, url, clock)
    finally:
        repo.close()
