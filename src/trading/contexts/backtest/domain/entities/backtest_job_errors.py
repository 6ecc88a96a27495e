"""Job-store failures a user can see; both storage adapters raise exactly these."""

from __future__ import annotations

from trading.shared.errors import DomainError

from .backtest_job import JobState

# What a 503 from the job store tells a client to wait before trying again.
STORE_RETRY_AFTER_SECONDS = 5


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


class JobStoreUnavailableError(DomainError):
    """The job store failed for a passing reason (connection dropped, lock timeout, disk full).

    Nothing about the request is wrong: the API answers 503 with Retry-After, and a worker hands the job
    back for a later retry instead of failing it.
    """

    def __init__(self, code: str, message: str, retry_after_seconds: int = STORE_RETRY_AFTER_SECONDS) -> None:
        super().__init__(code, message, status=503, extra={"retry_after_seconds": retry_after_seconds})


def job_store_full_error(cause: BaseException) -> JobStoreUnavailableError:
    return JobStoreUnavailableError(
        "job_store_full", f"the job store has no space left; try again after space is freed ({_first_line(cause)})"
    )


def job_store_unavailable_error(cause: BaseException) -> JobStoreUnavailableError:
    return JobStoreUnavailableError(
        "job_store_unavailable", f"the job store is briefly unavailable; try again ({_first_line(cause)})"
    )


def _first_line(cause: BaseException) -> str:
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0][:200] if text else ''}"
