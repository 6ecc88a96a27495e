"""Real `trading worker` processes on SQLite and PostgreSQL: no double processing across processes,
kill -9 mid-Stage-B then resume with the exact uninterrupted top, a crash loop ending `failed` after
max_attempts, and SIGTERM handing the job (checkpointed) to another worker."""

from __future__ import annotations

import re
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from trading.contexts.backtest.application.services.frontier import RankingSpec
from trading.contexts.backtest.application.services.job_runner_streaming_v1 import StageBCheckpoint
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

from .conftest import Store
from .support import (
    OWNER,
    job_config,
    request_json,
    start_worker,
    stored_top,
    sync_top,
    wait_until,
    write_config_tree,
)
from .worker_entry import CRASH_EXIT_CODE

pytestmark = pytest.mark.timeout(180)

# Short leases so a dead worker's job is reclaimed within seconds.
FAST_JOBS = {"lease_seconds": 2.0, "heartbeat_seconds": 0.3, "claim_poll_seconds": 0.2, "snapshot_seconds": 0.2}
SLOW_STAGE_B = {"JOBS_TEST_ONE_POSITION_CHUNKS": "1", "JOBS_TEST_SLOW_CHUNK_SECONDS": "0.15"}
START_LINE = re.compile(r"job ([0-9a-f-]{36}) start:")


def _job(store: Store, job_id: Any) -> BacktestJob:
    job = store.repo.get_job(job_id, OWNER)
    assert job is not None
    return job


def _configs(tmp_path: Path, **jobs: Any) -> Path:
    return write_config_tree(tmp_path / "configs", job_config(**jobs))


def _stage_b_checkpoint(store: Store, job_id: Any) -> StageBCheckpoint | None:
    stored = store.repo.load_checkpoint(job_id)
    return None if stored is None else StageBCheckpoint.from_json(stored, RankingSpec())


def _mid_stage_b(store: Store, job_id: Any) -> bool:
    checkpoint = _stage_b_checkpoint(store, job_id)
    return _job(store, job_id).stage == "stage_b" and checkpoint is not None and checkpoint.next_index > 0


def _ran_stage_a(log: Path, job_id: Any) -> bool:
    """Whether the worker ran Stage A for this job (the kernel warm-up before it does not count)."""
    return "STAGE_A_RAN" in log.read_text().split(f"job {job_id} start:", 1)[1]


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_three_worker_processes_process_thirty_jobs_exactly_once(
    store: Store, data_dir: Path, reference_ctx: BacktestContext, tmp_path: Path
) -> None:
    bodies = [request_json(sma_start=2 + i, sma_stop=8 + i, top_k=6, preselect=5) for i in range(30)]
    jobs = [store.repo.create_job(OWNER, body, max_active_jobs=100) for body in bodies]
    configs = _configs(tmp_path, **FAST_JOBS | {"lease_seconds": 30.0})  # no job needs reclaiming here
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    workers = [
        start_worker(store.url, configs, data_dir, log, "--once", "--worker-id", f"p{i}") for i, log in enumerate(logs)
    ]
    assert [worker.wait(timeout=150) for worker in workers] == [0, 0, 0]

    starts = Counter(match for log in logs for match in START_LINE.findall(log.read_text()))
    assert starts == Counter({str(job.id): 1 for job in jobs})
    for job, body in zip(jobs, bodies, strict=True):
        done = _job(store, job.id)
        assert (done.state, done.attempt, done.lease_owner) == (JobState.SUCCEEDED, 1, None)
        assert stored_top(store.repo, job) == sync_top(body, reference_ctx, 6)


def test_kill_9_mid_stage_b_then_another_worker_resumes_to_the_exact_top(
    store: Store, data_dir: Path, reference_ctx: BacktestContext, tmp_path: Path
) -> None:
    body = request_json(top_k=10, preselect=40)
    job = store.repo.create_job(OWNER, body, max_active_jobs=10)
    configs = _configs(tmp_path, **FAST_JOBS)
    first = start_worker(store.url, configs, data_dir, tmp_path / "first.log", hooks=SLOW_STAGE_B)
    try:
        wait_until(lambda: _mid_stage_b(store, job.id), 60, "a Stage B checkpoint")
    finally:
        first.kill()
    assert first.wait(timeout=10) == -signal.SIGKILL
    interrupted = _stage_b_checkpoint(store, job.id)
    assert interrupted is not None and 0 < interrupted.next_index < 40 * 9
    assert _job(store, job.id).state is JobState.RUNNING

    second_log = tmp_path / "second.log"
    second = start_worker(store.url, configs, data_dir, second_log, hooks={"JOBS_TEST_ONE_POSITION_CHUNKS": "1"})
    try:
        wait_until(lambda: _job(store, job.id).state.is_terminal, 90, "the resumed job to end")
    finally:
        assert _stop(second) == 0
    done = _job(store, job.id)
    assert (done.state, done.attempt, done.processed, done.total) == (JobState.SUCCEEDED, 2, 360, 360)
    assert not _ran_stage_a(second_log, job.id)  # resumed from the checkpoint, not restarted
    assert stored_top(store.repo, job) == sync_top(body, reference_ctx, 10)


def test_a_job_that_crashes_its_worker_every_time_ends_failed_after_max_attempts(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    job = store.repo.create_job(OWNER, request_json(), max_active_jobs=10)
    configs = _configs(tmp_path, **FAST_JOBS | {"max_attempts": 2})
    crash = {"JOBS_TEST_EXIT_IN_STAGE_B": "1"}
    exits = []
    for attempt in (1, 2):
        worker = start_worker(store.url, configs, data_dir, tmp_path / f"crash{attempt}.log", hooks=crash)
        exits.append(worker.wait(timeout=60))
        assert _job(store, job.id).attempt == attempt
    assert exits == [CRASH_EXIT_CODE, CRASH_EXIT_CODE]

    last = start_worker(store.url, configs, data_dir, tmp_path / "last.log", hooks=crash)
    try:
        wait_until(lambda: _job(store, job.id).state.is_terminal, 60, "the job to be given up")
    finally:
        assert _stop(last) == 0
    failed = _job(store, job.id)
    assert (failed.state, failed.attempt) == (JobState.FAILED, 2)
    assert failed.error_json is not None and failed.error_json["code"] == "max_attempts_exceeded"


def test_sigterm_releases_the_job_and_another_worker_finishes_it_with_the_same_top(
    store: Store, data_dir: Path, reference_ctx: BacktestContext, tmp_path: Path
) -> None:
    body = request_json(top_k=10, preselect=40)
    job = store.repo.create_job(OWNER, body, max_active_jobs=10)
    configs = _configs(tmp_path, **FAST_JOBS | {"lease_seconds": 600.0})  # only a release can free it
    first = start_worker(store.url, configs, data_dir, tmp_path / "first.log", hooks=SLOW_STAGE_B)
    try:
        wait_until(lambda: _mid_stage_b(store, job.id), 60, "a Stage B checkpoint")
    finally:
        assert _stop(first) == 0
    released = _job(store, job.id)
    assert (released.state, released.lease_owner, released.attempt) == (JobState.QUEUED, None, 0)
    checkpoint = _stage_b_checkpoint(store, job.id)
    assert checkpoint is not None and 0 < checkpoint.next_index < 360

    second_log = tmp_path / "second.log"
    second = start_worker(store.url, configs, data_dir, second_log, "--once")
    assert second.wait(timeout=90) == 0
    done = _job(store, job.id)
    assert (done.state, done.attempt) == (JobState.SUCCEEDED, 1)
    assert not _ran_stage_a(second_log, job.id)
    assert stored_top(store.repo, job) == sync_top(body, reference_ctx, 10)
