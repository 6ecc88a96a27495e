"""The results side (top snapshots) of PostgreSQL jobs: the shared logic over the PostgreSQL job store."""

from __future__ import annotations

from ..sql_job_results_repository import SqlJobResultsRepository
from .job_store import PostgresJobStore


class PostgresBacktestJobResultsRepository(SqlJobResultsRepository, PostgresJobStore):
    """Usable alone (`PostgresBacktestJobResultsRepository(conninfo)`); the jobs repository includes it."""
