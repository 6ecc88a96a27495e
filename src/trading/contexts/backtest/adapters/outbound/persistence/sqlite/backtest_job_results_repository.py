"""The results side (top snapshots) of SQLite jobs: the shared logic over the SQLite job store."""

from __future__ import annotations

from ..sql_job_results_repository import SqlJobResultsRepository
from .job_store import SqliteJobStore


class SqliteBacktestJobResultsRepository(SqlJobResultsRepository, SqliteJobStore):
    """Usable alone (`SqliteBacktestJobResultsRepository(path)`); the jobs repository includes it."""
