"""Job-store failures a user can see; both storage adapters raise exactly these."""

from __future__ import annotations

from trading.shared.errors import DomainError

from .backtest_job import JobState


def active_jobs_limit_error(owner_user_id: str, limit: int) -> DomainError:
    return DomainError(
        code="active_jobs_limit",
        message=f"user {owner_user_id!r} already has {limit} active jobs (the maximum); "
        "wait for one to finish or cancel one",
        status=429,
        extra={"max_active_jobs_per_user": limit},
    )


def require_terminal(state: JobState) -> JobState:
    """`finish` only accepts an end state; anything else is a worker bug, not user input."""
    if not state.is_terminal:
        raise ValueError(f"finish() needs a terminal state, got {state.value!r}")
    return state
