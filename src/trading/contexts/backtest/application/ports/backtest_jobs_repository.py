"""What the jobs API and the worker need from job storage; PostgreSQL and SQLite both provide it.

Worker writes take `worker_id` and succeed only while that worker still holds an unexpired lease on the
job; otherwise they write nothing and return False, which tells the worker to stop at once.

A passing store failure (lost connection, lock timeout, full disk) raises JobStoreUnavailableError
(503 `job_store_unavailable` / `job_store_full`) from any method; it never means the request was wrong.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol
from uuid import UUID

from trading.contexts.backtest.application.ports.backtest_job_results_repository import (
    BacktestJobResultsRepository,
)
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, BacktestJobPage, JobState


class BacktestJobsRepository(BacktestJobResultsRepository, Protocol):
    """The job lifecycle plus the results side (`get_top`, `replace_top`)."""

    # Committed writes per method name, so tests can assert write amplification.
    write_counts: Counter[str]

    def migrate(self) -> list[int]:
        """Apply pending schema migrations; returns the versions applied now (empty when up to date)."""
        ...

    def close(self) -> None: ...

    # --- API side (always scoped by owner) ---

    def create_job(
        self,
        owner_user_id: str,
        request_json: dict[str, Any],
        max_active_jobs: int,
        max_run_seconds: float | None = None,
        executor: str = "local",
    ) -> BacktestJob:
        """Enqueue; raises DomainError `active_jobs_limit` (429) atomically at the quota boundary.
        `executor` ('local' | 'ray') decides which workers may claim it."""
        ...

    def count_active_jobs(self, owner_user_id: str) -> int:
        """Queued + running jobs of the owner: a cheap early refusal before a submit's preflight
        (`create_job` still enforces the quota atomically)."""
        ...

    def get_job(self, job_id: UUID, owner_user_id: str) -> BacktestJob | None: ...

    def list_jobs(
        self, owner_user_id: str, limit: int, cursor: str | None = None, state: JobState | None = None
    ) -> BacktestJobPage:
        """Newest first with an opaque keyset cursor; stable across pages even for equal created_at;
        `state` keeps only jobs in that state."""
        ...

    def request_cancel(self, job_id: UUID, owner_user_id: str) -> BacktestJob | None:
        """Queued -> cancelled now; running -> cancel_requested_at set; terminal -> unchanged."""
        ...

    # --- worker side ---

    def claim_next(
        self, worker_id: str, lease_seconds: float, max_attempts: int, executor: str = "local"
    ) -> BacktestJob | None:
        """Oldest claimable job (queued, or running with an expired lease), attempt + 1; jobs out of
        attempts are marked failed instead of claimed."""
        ...

    def heartbeat(self, job_id: UUID, worker_id: str, lease_seconds: float) -> bool: ...

    def update_progress(self, job_id: UUID, worker_id: str, stage: str, processed: int, total: int) -> bool: ...

    def save_checkpoint(self, job_id: UUID, worker_id: str, checkpoint: dict[str, Any]) -> bool: ...

    def load_checkpoint(self, job_id: UUID) -> dict[str, Any] | None: ...

    def finish(
        self, job_id: UUID, worker_id: str, state: JobState, error_json: dict[str, Any] | None = None
    ) -> JobState | None:
        """The end state written (None when the lease is gone). A cancel requested before this write
        turns any end state into `cancelled`."""
        ...

    def release(self, job_id: UUID, worker_id: str, retry_after_seconds: float | None = None) -> bool:
        """Drop the lease and hand the job back (the attempt is returned too). With `retry_after_seconds`
        (after a passing store failure) the job is not claimable before then and counts a store retry."""
        ...

    def is_cancel_requested(self, job_id: UUID) -> bool: ...
