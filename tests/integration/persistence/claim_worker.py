"""A worker process for the concurrency contract: claims until the queue is empty, finishing each job."""

from __future__ import annotations

from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.domain.entities.backtest_job import JobState


def drain_queue(url: str, worker_id: str) -> list[str]:
    """The ids this process claimed (each finished as succeeded), in claim order."""
    repo = open_jobs_repository(url)
    claimed: list[str] = []
    try:
        while (job := repo.claim_next(worker_id, lease_seconds=60, max_attempts=3)) is not None:
            claimed.append(str(job.id))
            if not repo.finish(job.id, worker_id, JobState.SUCCEEDED):
                raise AssertionError(f"{worker_id} lost the lease of {job.id} it had just claimed")
    finally:
        repo.close()
    return claimed
