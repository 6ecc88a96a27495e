"""What the results side of a job needs from storage: its live top table (snapshot writes by the
worker holding the lease, owner-scoped reads by the API). PostgreSQL and SQLite both provide it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow


class BacktestJobResultsRepository(Protocol):
    def get_top(self, job_id: UUID, owner_user_id: str, limit: int) -> list[JobTopRow] | None:
        """The live top by rank; None when the job does not exist for this owner."""
        ...

    def replace_top(
        self,
        job_id: UUID,
        worker_id: str,
        rows: Sequence[JobTopRow],
        constraint_rejections: Sequence[dict[str, Any]] = (),
    ) -> bool:
        """Swap the whole top in one transaction; readers see the old or the new top, never a mix.
        A search with constraints stores its rejection counts so far in the same transaction.
        False (nothing written) once `worker_id` no longer holds the job's lease."""
        ...

    def save_validation(self, job_id: UUID, worker_id: str, validation: dict[str, Any]) -> bool:
        """Store the job's validation report (holdout summary or walk-forward report) under the lease."""
        ...

    def get_validation(self, job_id: UUID, owner_user_id: str) -> dict[str, Any] | None:
        """The stored validation report; None when there is none or the job is not this owner's."""
        ...

    def close(self) -> None: ...
