"""Contract, API side: submit with quota, read and list by owner, cancel."""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest

from trading.contexts.backtest.domain.entities.backtest_job import JobState
from trading.shared.canonical_json import canonical_sha256
from trading.shared.errors import DomainError

from .conftest import START, Store

REQUEST = {"instrument": "1:BTCUSDT", "timeframe": "1h", "top_k": 10, "grid": {"sma": [5, 10, 20]}}


def test_create_stores_a_queued_job_readable_only_by_its_owner(store: Store) -> None:
    job = store.repo.create_job("alice", REQUEST, max_active_jobs=4)

    assert job.state is JobState.QUEUED
    assert job.request_json == REQUEST
    assert job.request_hash == canonical_sha256(REQUEST)
    assert (job.created_at, job.updated_at) == (START, START)
    assert (job.attempt, job.processed, job.total) == (0, 0, 0)
    assert job.started_at is job.finished_at is job.lease_owner is job.error_json is None
    assert store.repo.get_job(job.id, "alice") == job
    assert store.repo.get_job(job.id, "bob") is None
    assert store.repo.get_job(uuid4(), "alice") is None


def test_quota_counts_only_active_jobs_and_answers_429(store: Store) -> None:
    first, _ = (store.repo.create_job("alice", REQUEST, max_active_jobs=2) for _ in range(2))
    with pytest.raises(DomainError) as refused:
        store.repo.create_job("alice", REQUEST, max_active_jobs=2)
    assert (refused.value.code, refused.value.status) == ("active_jobs_limit", 429)
    assert refused.value.payload()["error"]["max_active_jobs_per_user"] == 2

    store.repo.create_job("bob", REQUEST, max_active_jobs=2)  # another owner has its own quota
    store.repo.request_cancel(first.id, "alice")  # a terminal job frees its slot
    store.repo.create_job("alice", REQUEST, max_active_jobs=2)
    assert store.repo.write_counts["create_job"] == 4


@pytest.mark.parametrize("threads", [8])
def test_quota_race_lets_exactly_the_allowed_number_through(store: Store, threads: int) -> None:
    limit = 3
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        barrier.wait()
        try:
            store.repo.create_job("alice", REQUEST, max_active_jobs=limit)
            outcome = "created"
        except DomainError as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(outcomes) == ["active_jobs_limit"] * (threads - limit) + ["created"] * limit
    assert len(store.repo.list_jobs("alice", limit=100).jobs) == limit


def test_list_pages_newest_first_without_gaps_or_duplicates_even_for_equal_created_at(store: Store) -> None:
    created = []
    for batch in range(3):  # three timestamps, several jobs sharing each
        created += [store.repo.create_job("alice", REQUEST, max_active_jobs=100) for _ in range(batch + 3)]
        store.clock.advance(1)
    store.repo.create_job("bob", REQUEST, max_active_jobs=100)
    expected = sorted(created, key=lambda j: (j.created_at, j.id.int), reverse=True)

    seen, cursor, pages = [], None, 0
    while True:
        page = store.repo.list_jobs("alice", limit=4, cursor=cursor)
        seen += page.jobs
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        store.repo.create_job("alice", REQUEST, max_active_jobs=100)  # newer jobs never shift later pages

    assert [j.id for j in seen] == [j.id for j in expected]
    assert (len(seen), pages) == (12, 3)
    assert store.repo.list_jobs("carol", limit=4).jobs == []


def test_last_full_page_has_no_next_cursor(store: Store) -> None:
    for _ in range(4):
        store.repo.create_job("alice", REQUEST, max_active_jobs=100)
    page = store.repo.list_jobs("alice", limit=4)
    assert (len(page.jobs), page.next_cursor) == (4, None)


def test_list_filters_by_state_across_pages(store: Store) -> None:
    jobs = [store.repo.create_job("alice", REQUEST, max_active_jobs=100) for _ in range(5)]
    for job in jobs[1::2]:
        store.repo.request_cancel(job.id, "alice")
    first = store.repo.list_jobs("alice", limit=1, state=JobState.CANCELLED)
    second = store.repo.list_jobs("alice", limit=1, cursor=first.next_cursor, state=JobState.CANCELLED)
    cancelled = sorted((jobs[1], jobs[3]), key=lambda j: j.id.int, reverse=True)  # equal created_at: id order
    assert [j.id for j in first.jobs + second.jobs] == [j.id for j in cancelled]
    assert second.next_cursor is None
    queued = store.repo.list_jobs("alice", limit=10, state=JobState.QUEUED).jobs
    assert {j.id for j in queued} == {jobs[0].id, jobs[2].id, jobs[4].id}


def test_a_forged_cursor_is_a_422(store: Store) -> None:
    with pytest.raises(DomainError) as refused:
        store.repo.list_jobs("alice", limit=4, cursor="not-a-cursor")
    assert (refused.value.code, refused.value.status) == ("invalid_cursor", 422)


def test_cancel_of_a_queued_job_is_immediate_and_final(store: Store) -> None:
    job = store.repo.create_job("alice", REQUEST, max_active_jobs=4)
    store.clock.advance(5)

    cancelled = store.repo.request_cancel(job.id, "alice")

    assert cancelled is not None and cancelled.state is JobState.CANCELLED
    assert cancelled.finished_at == cancelled.cancel_requested_at == store.clock.current
    assert store.repo.request_cancel(job.id, "alice") == cancelled  # idempotent
    assert store.repo.write_counts["request_cancel"] == 1
    assert store.repo.claim_next("w1", lease_seconds=30, max_attempts=3) is None


def test_cancel_of_a_running_job_only_flags_it(store: Store) -> None:
    job = store.repo.create_job("alice", REQUEST, max_active_jobs=4)
    store.repo.claim_next("w1", lease_seconds=30, max_attempts=3)
    assert not store.repo.is_cancel_requested(job.id)
    store.clock.advance(2)

    flagged = store.repo.request_cancel(job.id, "alice")
    store.clock.advance(2)
    again = store.repo.request_cancel(job.id, "alice")

    assert flagged is not None and flagged.state is JobState.RUNNING
    assert flagged.cancel_requested_at == START.replace(second=2)
    assert again == flagged  # the first request's time is kept
    assert store.repo.is_cancel_requested(job.id)
    assert store.repo.write_counts["request_cancel"] == 1
    assert store.repo.finish(job.id, "w1", JobState.CANCELLED)
    finished = store.repo.get_job(job.id, "alice")
    assert finished is not None and finished.state is JobState.CANCELLED


def test_cancel_leaves_terminal_jobs_and_other_owners_alone(store: Store) -> None:
    job = store.repo.create_job("alice", REQUEST, max_active_jobs=4)
    store.repo.claim_next("w1", lease_seconds=30, max_attempts=3)
    assert store.repo.finish(job.id, "w1", JobState.SUCCEEDED)
    done = store.repo.get_job(job.id, "alice")

    assert store.repo.request_cancel(job.id, "bob") is None
    assert store.repo.request_cancel(job.id, "alice") == done
    assert done is not None and done.cancel_requested_at is None
    assert store.repo.write_counts["request_cancel"] == 0
