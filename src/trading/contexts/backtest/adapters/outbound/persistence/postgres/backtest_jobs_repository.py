"""The production job store: PostgreSQL, shared by many workers on many machines (see job_store.py)."""

from __future__ import annotations

from ..sql_jobs_repository import SqlJobsRepository
from .backtest_job_results_repository import PostgresBacktestJobResultsRepository


class PostgresBacktestJobsRepository(SqlJobsRepository, PostgresBacktestJobResultsRepository):
    """The whole BacktestJobsRepository: job lifecycle plus the results side, over one connection pool."""
