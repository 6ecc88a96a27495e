"""A job survives passing store failures and ends as its run asked: the worker's PostgreSQL connections
killed mid-run (pg_terminate_backend), an SQLite write lock held past the busy timeout, a full disk
under the SQLite file. Each hands the job back with a backoff and the retry resumes from its checkpoint
to exactly the sync top. Also: the run-time limit fails a job and keeps its last top."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.faults.small_disk import fill_disk, free_disk, small_tmpfs
from tests.integration.jobs.support import OWNER, job_config, request_json, stored_top, sync_top
from tests.unit.contexts.backtest.jobs.conftest import one_position_chunks
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.adapters.outbound.persistence.sqlite.backtest_jobs_repository import (
    SqliteBacktestJobsRepository,
)
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.job_runner_streaming_v1 import JobStreamObserver
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome, run_backtest_job
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

WORKER_APP_NAME = "jobs-fault-test-worker"
FAULT_AT_CHUNK = 3
TOP_K = 12
ChunkHook = Callable[[int, JobStreamObserver], None]


@pytest.fixture
def ctx(data_dir: Path) -> BacktestContext:
    """Snapshots at every chunk (so a fault always meets a write) and a short store-retry backoff."""
    config = job_config(
        snapshot_seconds=0.0,
        snapshot_variants_step=1,
        lease_seconds=10.0,
        heartbeat_seconds=0.5,
        store_retry_backoff_seconds=0.05,
        store_retry_backoff_max_seconds=0.2,
    )
    return BacktestContext(str(data_dir), config)


@pytest.fixture(autouse=True)
def _many_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    one_position_chunks(monkeypatch)


def on_chunk(monkeypatch: pytest.MonkeyPatch, hook: ChunkHook) -> None:
    """Call `hook(chunk_number, observer)` at each Stage B chunk boundary, before the observer writes anything."""
    original = JobStreamObserver.on_stage_b_chunk
    seen = Counter[str]()

    def wrapped(self: JobStreamObserver, frontier: Frontier, next_index: int) -> None:
        seen["chunks"] += 1
        hook(seen["chunks"], self)
        original(self, frontier, next_index)

    monkeypatch.setattr(JobStreamObserver, "on_stage_b_chunk", wrapped)


def run_until_end(repo: BacktestJobsRepository, ctx: BacktestContext, job: BacktestJob) -> list[JobOutcome]:
    """A worker loop for one job: claim it (once its backoff has passed) and run it until it ends."""
    outcomes: list[JobOutcome] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = repo.get_job(job.id, OWNER)
        assert stored is not None
        if stored.is_terminal:
            return outcomes
        claimed = repo.claim_next("w1", ctx.config.jobs.lease_seconds, ctx.config.jobs.max_attempts)
        if claimed is None:
            time.sleep(0.05)
            continue
        outcomes.append(run_backtest_job(claimed, repo, ctx, "w1"))
    raise AssertionError(f"job did not end in 120 s: outcomes {outcomes}")


def run_a_job_through_the_fault(repo: BacktestJobsRepository, ctx: BacktestContext) -> None:
    """Submit, run to the end, and check: handed back at least once, then succeeded with the sync top."""
    body = request_json(top_k=TOP_K)
    job = repo.create_job(OWNER, body, max_active_jobs=10)
    outcomes = run_until_end(repo, ctx, job)
    ended = repo.get_job(job.id, OWNER)
    assert ended is not None
    assert outcomes[0] is JobOutcome.RETRY_LATER and outcomes[-1] is JobOutcome.SUCCEEDED, outcomes
    assert (ended.state, ended.error_json, ended.attempt) == (JobState.SUCCEEDED, None, 1)  # a hand-back spends none
    assert ended.store_retries == outcomes.count(JobOutcome.RETRY_LATER)
    assert stored_top(repo, job.id) == sync_top(body, ctx, TOP_K)


@pytest.mark.postgres
def test_killed_postgres_connections_hand_the_job_back_and_the_retry_ends_with_the_exact_top(
    migrated_pg_url: str, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe: killing one of a worker's connections failed the job for good (4 of 4)."""
    url = f"{migrated_pg_url}&application_name={WORKER_APP_NAME}"
    killed: list[int] = []

    def kill_worker_connections(chunk: int, _observer: JobStreamObserver) -> None:
        if chunk != FAULT_AT_CHUNK:
            return
        with psycopg.connect(migrated_pg_url, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (WORKER_APP_NAME,),
            ).fetchall()
        killed.append(len(rows))

    on_chunk(monkeypatch, kill_worker_connections)
    with psycopg.connect(migrated_pg_url, autocommit=True) as admin:
        admin.execute(
            "TRUNCATE backtest_jobs, backtest_job_top_variants, backtest_job_checkpoints, backtest_job_validation"
        )
    repo = open_jobs_repository(url)
    try:
        run_a_job_through_the_fault(repo, ctx)
        assert killed and killed[0] >= 1
    finally:
        repo.close()


def _after(seconds: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()


def test_a_write_lock_held_past_the_busy_timeout_hands_the_job_back_and_the_retry_ends_with_the_exact_top(
    tmp_path: Path, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "jobs.sqlite3"
    repo = SqliteBacktestJobsRepository(path, busy_timeout_seconds=0.2)
    repo.migrate()

    def hold_the_write_lock_for_a_second(chunk: int, _observer: JobStreamObserver) -> None:
        if chunk != FAULT_AT_CHUNK:
            return
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction

        def let_go() -> None:
            holder.execute("ROLLBACK")
            holder.close()

        _after(1.0, let_go)

    on_chunk(monkeypatch, hold_the_write_lock_for_a_second)
    try:
        run_a_job_through_the_fault(repo, ctx)
    finally:
        repo.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "small_disk") as mount:
        yield mount


def test_a_full_disk_hands_the_job_back_and_the_retry_ends_with_the_exact_top(
    small_disk: Path, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe: a full disk failed a running job for good."""
    repo = open_jobs_repository(f"sqlite:///{small_disk}/jobs.sqlite3")
    repo.migrate()

    def fill_the_disk_for_a_second(chunk: int, _observer: JobStreamObserver) -> None:
        if chunk == FAULT_AT_CHUNK:
            fill_disk(small_disk)
            _after(1.0, lambda: free_disk(small_disk))

    on_chunk(monkeypatch, fill_the_disk_for_a_second)
    try:
        run_a_job_through_the_fault(repo, ctx)
    finally:
        repo.close()


def test_max_run_seconds_fails_the_job_and_keeps_the_last_top(
    tmp_path: Path, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 3600.0  # never reached by a slow setup on a loaded machine; the clock jumps past it below
    repo = open_jobs_repository(f"sqlite:///{tmp_path}/jobs.sqlite3")
    repo.migrate()
    body = request_json(top_k=TOP_K)
    body["ranking"]["collapse_same_outcome"] = False  # one row per variant: the first chunks fill the top
    job = repo.create_job(OWNER, body, max_active_jobs=10, max_run_seconds=limit)
    claimed = repo.claim_next("w1", 30, 3)
    assert claimed is not None and claimed.started_at is not None

    def outlast_the_limit(chunk: int, observer: JobStreamObserver) -> None:
        if chunk == FAULT_AT_CHUNK:  # a slow stretch of Stage B: from here the run's clock reads past the limit
            real_clock = observer._clock  # pyright: ignore[reportPrivateUsage]
            observer._clock = lambda: real_clock() + limit  # pyright: ignore[reportPrivateUsage]

    on_chunk(monkeypatch, outlast_the_limit)
    try:
        assert run_backtest_job(claimed, repo, ctx, "w1") is JobOutcome.FAILED
        ended = repo.get_job(job.id, OWNER)
        assert ended is not None and ended.state is JobState.FAILED and ended.error_json is not None
        assert ended.error_json["code"] == "max_run_time_exceeded"
        top = stored_top(repo, job.id)
        assert [row[0] for row in top] == list(range(1, TOP_K + 1))  # the frontier of the last chunk boundary
        assert ended.processed < ended.total  # it really stopped early
    finally:
        repo.close()
