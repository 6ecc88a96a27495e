"""A persisted async search: its lifecycle state, progress and the lease of the worker running it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES: frozenset[JobState] = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
# The states that count against a user's active-jobs quota.
ACTIVE_STATES: frozenset[JobState] = frozenset({JobState.QUEUED, JobState.RUNNING})


@dataclass(frozen=True)
class BacktestJob:
    """One job row as stored; `attempt` counts claims, so a crash loop is bounded by max_attempts."""

    id: UUID
    owner_user_id: str
    state: JobState
    request_json: dict[str, Any]
    request_hash: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    stage: str | None
    processed: int
    total: int
    attempt: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    heartbeat_at: datetime | None
    cancel_requested_at: datetime | None
    error_json: dict[str, Any] | None
    # Hand-backs after a passing store failure; the next one waits longer (they spend no attempt).
    store_retries: int = 0
    retry_not_before: datetime | None = None
    # Wall-clock limit from the first claim; None = the config default (or no limit).
    max_run_seconds: float | None = None
    executor: str = "local"  # 'local' | 'ray': which workers may claim it
    # Rejections per constraint so far ({constraint, stage_a, stage_b} each), written with the top;
    # None for a search without constraints (and for jobs stored before the column existed).
    constraint_rejections: list[dict[str, Any]] | None = None

    @property
    def is_terminal(self) -> bool:
        return self.state.is_terminal


@dataclass(frozen=True)
class BacktestJobPage:
    """One page of a user's jobs, newest first; `next_cursor` is None on the last page."""

    jobs: list[BacktestJob]
    next_cursor: str | None
