"""Contract, worker side: claim order, leases, attempts, progress, checkpoint, top, finish, release."""

from __future__ import annotations

import math
from datetime import timedelta
from uuid import UUID

import pytest

from trading.contexts.backtest.adapters.outbound.persistence.factory import open_job_results_repository
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow

from .conftest import START, Store

LEASE = 30.0
REQUEST = {"instrument": "1:BTCUSDT", "timeframe": "1h"}


def top(count: int, tag: str = "a") -> list[JobTopRow]:
    return [
        JobTopRow(
            rank=rank,
            variant_key=f"{tag}-{rank:04d}",
            indicator_variant_key=f"{tag}-ind-{rank % 7}",
            variant_index=1000 + rank,
            total_return_pct=100.0 / rank,
            ranking_metrics={"total_return_pct": 100.0 / rank, "profit_factor": 1.5 + rank / 8},
            payload={"risk": {"sl_pct": 1.0 + rank / 4, "tp_pct": None}, "tag": tag},
        )
        for rank in range(1, count + 1)
    ]


def owned(store: Store, job_id: UUID) -> BacktestJob:
    job = store.repo.get_job(job_id, "alice")
    assert job is not None
    return job


def claim(store: Store, worker_id: str, max_attempts: int = 3) -> BacktestJob:
    job = store.repo.claim_next(worker_id, LEASE, max_attempts)
    assert job is not None
    return job


def running_job(store: Store, worker_id: str = "w1") -> BacktestJob:
    store.repo.create_job("alice", REQUEST, max_active_jobs=100)
    return claim(store, worker_id)


def test_claim_takes_the_oldest_job_and_takes_the_lease(store: Store) -> None:
    first = store.repo.create_job("bob", REQUEST, max_active_jobs=100)
    store.clock.advance(1)
    second = store.repo.create_job("alice", REQUEST, max_active_jobs=100)
    store.clock.advance(1)

    claimed = store.repo.claim_next("w1", LEASE, max_attempts=3)

    assert claimed is not None and claimed.id == first.id
    assert (claimed.state, claimed.attempt, claimed.lease_owner) == (JobState.RUNNING, 1, "w1")
    assert claimed.started_at == claimed.heartbeat_at == START + timedelta(seconds=2)
    assert claimed.lease_expires_at == START + timedelta(seconds=2 + LEASE)
    assert claim(store, "w2").id == second.id
    assert store.repo.claim_next("w3", LEASE, max_attempts=3) is None
    assert store.repo.write_counts["claim_next"] == 2


def test_heartbeat_keeps_the_lease_alive_past_its_first_expiry(store: Store) -> None:
    job = running_job(store)
    for _ in range(3):
        store.clock.advance(LEASE - 1)
        assert store.repo.heartbeat(job.id, "w1", LEASE)
        assert store.repo.claim_next("w2", LEASE, max_attempts=3) is None
    assert owned(store, job.id).lease_expires_at == store.clock.current + timedelta(seconds=LEASE)
    store.clock.advance(LEASE)  # exactly at expiry the lease is gone
    assert claim(store, "w2").lease_owner == "w2"


def test_a_worker_that_lost_its_lease_can_write_nothing(store: Store) -> None:
    job = running_job(store, "old")
    assert store.repo.replace_top(job.id, "old", top(5))
    assert store.repo.save_checkpoint(job.id, "old", {"stage_b_cursor": 7})
    store.clock.advance(LEASE + 1)
    reclaimed = store.repo.claim_next("new", LEASE, max_attempts=3)
    assert reclaimed is not None and (reclaimed.id, reclaimed.attempt) == (job.id, 2)
    assert store.repo.update_progress(job.id, "new", "stage_b", 10, 100)
    before = (owned(store, job.id), store.repo.get_top(job.id, "alice", 100), store.repo.load_checkpoint(job.id))
    counts = dict(store.repo.write_counts)

    assert not store.repo.heartbeat(job.id, "old", LEASE)
    assert not store.repo.update_progress(job.id, "old", "stage_b", 99, 100)
    assert not store.repo.save_checkpoint(job.id, "old", {"stage_b_cursor": 99})
    assert not store.repo.replace_top(job.id, "old", top(3, "stale"))
    assert not store.repo.finish(job.id, "old", JobState.SUCCEEDED)
    assert not store.repo.release(job.id, "old")

    after = (owned(store, job.id), store.repo.get_top(job.id, "alice", 100), store.repo.load_checkpoint(job.id))
    assert after == before
    assert dict(store.repo.write_counts) == counts


def test_an_expired_lease_blocks_writes_even_before_anyone_reclaims(store: Store) -> None:
    job = running_job(store)
    store.clock.advance(LEASE)
    assert not store.repo.update_progress(job.id, "w1", "stage_a", 1, 2)
    assert not store.repo.heartbeat(job.id, "w1", LEASE)
    assert owned(store, job.id).stage is None


def test_a_job_out_of_attempts_is_failed_with_the_reason_not_claimed(store: Store) -> None:
    job = running_job(store)  # attempt 1
    store.clock.advance(LEASE)
    assert claim(store, "w2", max_attempts=2).attempt == 2
    store.clock.advance(LEASE)
    assert store.repo.update_progress(job.id, "w2", "stage_a", 0, 0) is False

    assert store.repo.claim_next("w3", LEASE, max_attempts=2) is None

    failed = owned(store, job.id)
    assert (failed.state, failed.attempt, failed.lease_owner) == (JobState.FAILED, 2, None)
    assert failed.finished_at == store.clock.current
    assert failed.error_json is not None and failed.error_json["code"] == "max_attempts_exceeded"
    assert failed.error_json["attempt"] == 2


def test_claim_skips_past_exhausted_jobs_to_the_next_one(store: Store) -> None:
    doomed = running_job(store)
    store.clock.advance(1)
    healthy = store.repo.create_job("alice", REQUEST, max_active_jobs=100)
    store.clock.advance(LEASE)

    claimed = store.repo.claim_next("w2", LEASE, max_attempts=1)

    assert claimed is not None and claimed.id == healthy.id
    assert owned(store, doomed.id).state is JobState.FAILED
    assert store.repo.write_counts["claim_next"] == 2


def test_a_crashed_job_with_a_pending_cancel_is_cancelled_not_reclaimed(store: Store) -> None:
    job = running_job(store)
    store.repo.request_cancel(job.id, "alice")
    store.clock.advance(LEASE)

    assert store.repo.claim_next("w2", LEASE, max_attempts=3) is None
    assert owned(store, job.id).state is JobState.CANCELLED


def test_progress_is_stored_for_the_lease_holder(store: Store) -> None:
    job = running_job(store)
    store.clock.advance(3)
    assert store.repo.update_progress(job.id, "w1", "stage_b", 1_500, 20_000)
    stored = owned(store, job.id)
    assert (stored.stage, stored.processed, stored.total) == ("stage_b", 1_500, 20_000)
    assert stored.updated_at == START + timedelta(seconds=3)
    assert store.repo.write_counts["update_progress"] == 1


def test_checkpoint_round_trips_is_overwritten_and_dropped_at_the_end(store: Store) -> None:
    job = running_job(store)
    assert store.repo.load_checkpoint(job.id) is None
    shortlist = {
        "stage": "stage_b",
        "shortlist": [[3, 0.25], [9, -1.5e-7]],
        "cursor": 1200,
        "frontier": top(2)[0].payload,
    }
    assert store.repo.save_checkpoint(job.id, "w1", shortlist)
    assert store.repo.load_checkpoint(job.id) == shortlist
    assert store.repo.save_checkpoint(job.id, "w1", {"cursor": 2400})
    assert store.repo.load_checkpoint(job.id) == {"cursor": 2400}

    assert store.repo.finish(job.id, "w1", JobState.SUCCEEDED)
    assert store.repo.load_checkpoint(job.id) is None


def test_checkpoint_keeps_non_finite_floats(store: Store) -> None:
    job = running_job(store)
    assert store.repo.save_checkpoint(job.id, "w1", {"frontier": [[math.inf, -math.inf, math.nan, 0.1]]})
    loaded = store.repo.load_checkpoint(job.id)
    assert loaded is not None
    pf, rmd, nan, tenth = loaded["frontier"][0]
    assert (pf, rmd, tenth) == (math.inf, -math.inf, 0.1) and math.isnan(nan)


def test_top_round_trips_exactly_including_non_finite_metrics(store: Store) -> None:
    job = running_job(store)
    rows = top(4)
    rows[0] = JobTopRow(1, "k", "ik", 0, 12.5, {"profit_factor": math.inf, "return_over_max_drawdown": -math.inf}, {})
    assert store.repo.replace_top(job.id, "w1", rows)
    assert store.repo.get_top(job.id, "alice", 100) == rows
    assert store.repo.get_top(job.id, "alice", 2) == rows[:2]

    group = {"count": 3, "members": [{"variant_key": "k", "variant_index": 0, "params": {"sl_pct": None}}]}
    rows[1] = JobTopRow(2, "k2", "ik", 1, 2.5, {"profit_factor": 1.0}, {}, same_outcome=group)
    assert store.repo.replace_top(job.id, "w1", rows)
    assert store.repo.get_top(job.id, "alice", 100) == rows  # the group is stored and read back as written

    nan_row = JobTopRow(1, "k", "ik", 0, 1.0, {"profit_factor": math.nan}, {})
    assert store.repo.replace_top(job.id, "w1", [nan_row])
    (stored,) = store.repo.get_top(job.id, "alice", 100) or []
    assert math.isnan(stored.ranking_metrics["profit_factor"])


def test_top_replacement_shrinks_grows_and_is_owner_scoped(store: Store) -> None:
    job = running_job(store)
    assert store.repo.get_top(job.id, "alice", 10) == []
    assert store.repo.replace_top(job.id, "w1", top(6, "a"))
    assert store.repo.replace_top(job.id, "w1", top(2, "b"))
    assert store.repo.get_top(job.id, "alice", 10) == top(2, "b")
    assert store.repo.replace_top(job.id, "w1", top(5, "c"))
    assert store.repo.get_top(job.id, "alice", 10) == top(5, "c")
    assert store.repo.get_top(job.id, "bob", 10) is None
    assert store.repo.write_counts["replace_top"] == 3


def test_top_rows_must_be_ranked_one_to_n(store: Store) -> None:
    job = running_job(store)
    with pytest.raises(ValueError, match=r"ranked 1\.\.n"):
        store.repo.replace_top(job.id, "w1", top(3)[1:])
    assert store.repo.write_counts["replace_top"] == 0


@pytest.mark.parametrize("state", [JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED])
def test_terminal_states_never_change(store: Store, state: JobState) -> None:
    job = running_job(store)
    store.clock.advance(4)
    error = {"code": "boom", "message": "bad request"} if state is JobState.FAILED else None
    assert store.repo.finish(job.id, "w1", state, error)
    done = owned(store, job.id)
    assert (done.state, done.finished_at, done.error_json, done.lease_owner) == (
        state,
        START + timedelta(seconds=4),
        error,
        None,
    )
    store.clock.advance(LEASE * 2)

    assert store.repo.claim_next("w2", LEASE, max_attempts=3) is None
    assert not store.repo.finish(job.id, "w1", JobState.SUCCEEDED)
    assert not store.repo.update_progress(job.id, "w1", "x", 1, 1)
    assert not store.repo.replace_top(job.id, "w1", top(1))
    assert not store.repo.release(job.id, "w1")
    assert store.repo.request_cancel(job.id, "alice") == done
    assert owned(store, job.id) == done


def test_finish_needs_an_end_state(store: Store) -> None:
    job = running_job(store)
    with pytest.raises(ValueError, match="terminal"):
        store.repo.finish(job.id, "w1", JobState.QUEUED)
    assert owned(store, job.id).state is JobState.RUNNING


def test_release_hands_the_job_back_without_spending_an_attempt(store: Store) -> None:
    job = running_job(store)
    assert store.repo.save_checkpoint(job.id, "w1", {"cursor": 5})
    assert store.repo.release(job.id, "w1")
    released = owned(store, job.id)
    assert (released.state, released.attempt, released.lease_owner, released.lease_expires_at) == (
        JobState.QUEUED,
        0,
        None,
        None,
    )
    assert store.repo.load_checkpoint(job.id) == {"cursor": 5}  # the next worker resumes from it

    again = store.repo.claim_next("w2", LEASE, max_attempts=1)
    assert again is not None and (again.id, again.attempt, again.lease_owner) == (job.id, 1, "w2")
    assert again.started_at == job.started_at


def test_release_of_a_job_with_a_pending_cancel_ends_it(store: Store) -> None:
    job = running_job(store)
    store.repo.request_cancel(job.id, "alice")
    assert store.repo.release(job.id, "w1")
    assert owned(store, job.id).state is JobState.CANCELLED


def test_the_results_repository_alone_writes_and_reads_the_same_top(store: Store) -> None:
    """The results side is its own repository per dialect; over the same store it sees the same rows."""
    job = running_job(store)
    results = open_job_results_repository(store.url, now=store.clock)
    try:
        assert results.replace_top(job.id, "w1", top(4, "r"))
        assert store.repo.get_top(job.id, "alice", 10) == results.get_top(job.id, "alice", 10) == top(4, "r")
        assert results.get_top(job.id, "bob", 10) is None
        assert not results.replace_top(job.id, "w2", top(2))  # still conditional on the lease
    finally:
        results.close()
