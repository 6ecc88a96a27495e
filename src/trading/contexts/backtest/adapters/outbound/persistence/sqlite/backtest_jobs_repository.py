"""The embedded job store: one SQLite file in WAL mode, shared by several worker processes (see job_store.py)."""

from __future__ import annotations

from ..sql_jobs_repository import SqlJobsRepository
from .backtest_job_results_repository import SqliteBacktestJobResultsRepository


class SqliteBacktestJobsRepository(SqlJobsRepository, SqliteBacktestJobResultsRepository):
    """The whole BacktestJobsRepository: job lifecycle plus the results side, over one set of connections."""
