"""Pick the job store from a URL: `sqlite:///relative/path`, `sqlite:////absolute/path` or
`postgresql://...`; with no URL configured, an SQLite file in the data directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from trading.contexts.backtest.application.ports.backtest_job_results_repository import (
    BacktestJobResultsRepository,
)
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository

from .sql_job_store import Clock, utc_now

DATABASE_URL_VAR = "TRADING_DATABASE_URL"
DATA_DIR_VAR = "TRADING_DATA_DIR"
DEFAULT_DATA_DIR = "data"
SQLITE_FILE_NAME = "jobs.sqlite3"
_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def default_jobs_database_url(environ: Mapping[str, str] = os.environ) -> str:
    """`TRADING_DATABASE_URL`, else `sqlite:///<TRADING_DATA_DIR or ./data>/jobs.sqlite3`."""
    url = environ.get(DATABASE_URL_VAR)
    if url:
        return url
    return _SQLITE_PREFIX + (Path(environ.get(DATA_DIR_VAR) or DEFAULT_DATA_DIR) / SQLITE_FILE_NAME).as_posix()


def open_jobs_repository(url: str, now: Clock = utc_now) -> BacktestJobsRepository:
    """Open (not migrate) the store the URL names; the caller closes it."""
    path = _sqlite_path(url)
    if path is not None:
        from .sqlite.backtest_jobs_repository import SqliteBacktestJobsRepository

        return SqliteBacktestJobsRepository(path, now=now)
    from .postgres.backtest_jobs_repository import PostgresBacktestJobsRepository

    return PostgresBacktestJobsRepository(_postgres_url(url), now=now)


def open_job_results_repository(url: str, now: Clock = utc_now) -> BacktestJobResultsRepository:
    """Only the results side (top snapshots) of the store the URL names; the caller closes it."""
    path = _sqlite_path(url)
    if path is not None:
        from .sqlite.backtest_job_results_repository import SqliteBacktestJobResultsRepository

        return SqliteBacktestJobResultsRepository(path, now=now)
    from .postgres.backtest_job_results_repository import PostgresBacktestJobResultsRepository

    return PostgresBacktestJobResultsRepository(_postgres_url(url), now=now)


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith(_SQLITE_PREFIX):
        return None
    path = url.removeprefix(_SQLITE_PREFIX)
    if not path:
        raise ValueError(f"{url!r}: the SQLite URL names no file")
    return Path(path)


def _postgres_url(url: str) -> str:
    if not url.startswith(_POSTGRES_PREFIXES):
        raise ValueError(f"unsupported jobs database URL {url!r}: use sqlite:///path or postgresql://...")
    return url
