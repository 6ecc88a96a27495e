"""Contract, concurrency: claims from threads and processes never share a job; readers never see a
half-replaced top."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from trading.contexts.backtest.domain.entities.backtest_job import JobState
from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow

from .claim_worker import drain_queue
from .conftest import Store

REQUEST = {"instrument": "1:BTCUSDT"}


def enqueue(store: Store, count: int) -> set[str]:
    return {str(store.repo.create_job(f"user{i % 5}", REQUEST, max_active_jobs=count).id) for i in range(count)}


def test_threads_claim_each_job_exactly_once(store: Store) -> None:
    jobs = enqueue(store, 40)
    barrier = threading.Barrier(4)

    def drain(worker_id: str) -> list[str]:
        barrier.wait()
        claimed = []
        while (job := store.repo.claim_next(worker_id, lease_seconds=60, max_attempts=3)) is not None:
            claimed.append(str(job.id))
        return claimed

    with ThreadPoolExecutor(4) as pool:
        per_worker = list(pool.map(drain, [f"t{i}" for i in range(4)]))

    claims = Counter(job_id for claimed in per_worker for job_id in claimed)
    assert set(claims) == jobs
    assert max(claims.values()) == 1
    assert store.repo.write_counts["claim_next"] == 40


def test_three_processes_claim_each_job_exactly_once(store: Store) -> None:
    jobs = enqueue(store, 60)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(3, mp_context=spawn) as pool:
        per_worker = list(pool.map(drain_queue, [store.url] * 3, ["p0", "p1", "p2"]))

    claims = Counter(job_id for claimed in per_worker for job_id in claimed)
    assert set(claims) == jobs
    assert max(claims.values()) == 1
    listed = [job for owner in range(5) for job in store.repo.list_jobs(f"user{owner}", limit=100).jobs]
    assert Counter(job.state for job in listed) == {JobState.SUCCEEDED: 60}
    assert all(job.attempt == 1 for job in listed)


def _top(count: int, tag: str) -> list[JobTopRow]:
    return [
        JobTopRow(rank, f"{tag}{rank}", tag, rank, float(rank), {"total_return_pct": float(rank)}, {"tag": tag})
        for rank in range(1, count + 1)
    ]


def test_readers_see_the_old_or_the_new_top_never_a_mix(store: Store) -> None:
    store.repo.create_job("alice", REQUEST, max_active_jobs=1)
    job = store.repo.claim_next("w1", lease_seconds=600, max_attempts=3)
    assert job is not None
    tops = {"a": _top(40, "a"), "b": _top(25, "b")}
    assert store.repo.replace_top(job.id, "w1", tops["a"])
    stop = threading.Event()
    observed: Counter[str] = Counter()

    def read() -> None:
        while not stop.is_set():
            rows = store.repo.get_top(job.id, "alice", 100) or []
            tag = rows[0].indicator_variant_key
            assert rows == tops[tag], f"mixed top: {len(rows)} rows, tags {sorted({r.payload['tag'] for r in rows})}"
            observed[tag] += 1

    reader = ThreadPoolExecutor(1)
    reading = reader.submit(read)
    for i in range(120):
        assert store.repo.replace_top(job.id, "w1", tops["ab"[i % 2]])
    stop.set()
    reading.result()
    reader.shutdown()
    assert observed["a"] > 0 and observed["b"] > 0
