"""Contract, reliability: a hand-back after a store failure waits out its backoff and spends no attempt;
a cancel acknowledged before the worker's terminal write always ends the job `cancelled`; a job keeps
its own run-time limit."""

from __future__ import annotations

import threading

import pytest

from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

from .conftest import Store
from .test_jobs_worker_contract import LEASE, REQUEST, claim, owned, running_job, top


def test_a_retry_hand_back_is_not_claimable_before_its_backoff_and_spends_no_attempt(store: Store) -> None:
    job = running_job(store)
    assert store.repo.release(job.id, "w1", retry_after_seconds=10.0)
    queued = owned(store, job.id)
    assert (queued.state, queued.attempt, queued.store_retries, queued.lease_owner) == (JobState.QUEUED, 0, 1, None)
    assert queued.retry_not_before is not None
    assert (queued.retry_not_before - store.clock.current).total_seconds() == 10.0
    store.clock.advance(9.9)
    assert store.repo.claim_next("w2", LEASE, max_attempts=1) is None
    store.clock.advance(0.2)
    again = claim(store, "w2", max_attempts=1)  # one attempt left: the hand-back did not spend it
    assert (again.id, again.attempt, again.store_retries, again.retry_not_before) == (job.id, 1, 1, None)


def test_a_delayed_job_does_not_hold_up_younger_jobs(store: Store) -> None:
    delayed = running_job(store)
    assert store.repo.release(delayed.id, "w1", retry_after_seconds=60.0)
    younger = store.repo.create_job("alice", REQUEST, max_active_jobs=100)
    assert claim(store, "w2").id == younger.id


def test_a_graceful_release_keeps_the_job_claimable_at_once(store: Store) -> None:
    job = running_job(store)
    assert store.repo.release(job.id, "w1")
    queued = owned(store, job.id)
    assert (queued.store_retries, queued.retry_not_before) == (0, None)
    assert claim(store, "w2").id == job.id


def test_finish_after_an_acknowledged_cancel_ends_cancelled_and_keeps_the_top(store: Store) -> None:
    job = running_job(store)
    assert store.repo.replace_top(job.id, "w1", top(3))
    acknowledged = store.repo.request_cancel(job.id, "alice")
    assert acknowledged is not None and acknowledged.cancel_requested_at is not None
    for worker_end in (JobState.SUCCEEDED, JobState.FAILED):
        ended = running_job(store, "w1") if worker_end is JobState.FAILED else job
        if worker_end is JobState.FAILED:
            assert store.repo.request_cancel(ended.id, "alice") is not None
        error = {"code": "boom", "message": "x", "details": []}
        assert store.repo.finish(ended.id, "w1", worker_end, error) is JobState.CANCELLED
        final = owned(store, ended.id)
        assert (final.state, final.error_json) == (JobState.CANCELLED, None)
    assert [row.rank for row in store.repo.get_top(job.id, "alice", 10) or []] == [1, 2, 3]


def _race(store: Store, job: BacktestJob) -> tuple[BacktestJob, JobState | None]:
    barrier = threading.Barrier(2)
    acknowledged: list[BacktestJob | None] = []
    written: list[JobState | None] = []

    def cancel() -> None:
        barrier.wait()
        acknowledged.append(store.repo.request_cancel(job.id, "alice"))

    def finish() -> None:
        barrier.wait()
        written.append(store.repo.finish(job.id, "w1", JobState.SUCCEEDED))

    threads = [threading.Thread(target=cancel), threading.Thread(target=finish)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answer = acknowledged[0]
    assert answer is not None
    return answer, written[0]


@pytest.mark.parametrize("iterations", [150])
def test_a_cancel_acknowledged_before_the_terminal_write_always_ends_cancelled(store: Store, iterations: int) -> None:
    """The probe saw 13 of 17 such races end `succeeded`; every one must end as the cancel answer said."""
    seen: set[tuple[JobState, JobState | None]] = set()
    for _ in range(iterations):
        job = running_job(store)
        answer, written = _race(store, job)
        final = owned(store, job.id).state
        if answer.state is JobState.SUCCEEDED:  # the worker's write came first: the cancel changed nothing
            assert (written, final) == (JobState.SUCCEEDED, JobState.SUCCEEDED)
        else:  # acknowledged while running: the flag is set, so the end state must be cancelled
            assert answer.state is JobState.RUNNING and answer.cancel_requested_at is not None
            assert (written, final) == (JobState.CANCELLED, JobState.CANCELLED)
        seen.add((answer.state, written))
    assert (JobState.RUNNING, JobState.CANCELLED) in seen  # the race was really run both ways at least once


def test_a_job_keeps_its_own_run_time_limit(store: Store) -> None:
    limited = store.repo.create_job("alice", REQUEST, max_active_jobs=100, max_run_seconds=90.5)
    unlimited = store.repo.create_job("alice", REQUEST, max_active_jobs=100)
    assert (owned(store, limited.id).max_run_seconds, owned(store, unlimited.id).max_run_seconds) == (90.5, None)
