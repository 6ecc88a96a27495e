"""A walk-forward job on real `trading worker` processes (SQLite and PostgreSQL): kill -9 the worker
after some folds are stored; another worker resumes at the first unfinished fold (the finished folds'
searches never run again) and ends with exactly the sync walk-forward's report."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_walk_forward import run_walk_forward
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

from .conftest import Store
from .support import OWNER, job_config, request_json, start_worker, wait_until, write_config_tree

pytestmark = pytest.mark.timeout(240)

FAST_JOBS = {"lease_seconds": 2.0, "heartbeat_seconds": 0.3, "claim_poll_seconds": 0.2, "snapshot_seconds": 0.2}
SLOW_FOLDS = {"JOBS_TEST_ONE_POSITION_CHUNKS": "1", "JOBS_TEST_SLOW_CHUNK_SECONDS": "0.05"}
FOLDS = 4
WALK_FORWARD = {"mode": "walk_forward", "folds": FOLDS, "train": 300, "test": 100}  # 720 5m bars in range


def _job(store: Store, job_id: Any) -> BacktestJob:
    job = store.repo.get_job(job_id, OWNER)
    assert job is not None
    return job


def _stored_folds(store: Store, job_id: Any) -> int:
    checkpoint = store.repo.load_checkpoint(job_id)
    return 0 if checkpoint is None else len(checkpoint["walk_forward_folds"])


def _stage_a_runs(log: Path, job_id: Any) -> int:
    return log.read_text().split(f"job {job_id} start:", 1)[1].count("STAGE_A_RAN")


def test_kill_9_between_folds_then_another_worker_runs_only_the_unfinished_folds(
    store: Store, data_dir: Path, reference_ctx: BacktestContext, tmp_path: Path
) -> None:
    body = request_json(top_k=6, preselect=20) | {"validation": WALK_FORWARD}
    job = store.repo.create_job(OWNER, body, max_active_jobs=10)
    configs = write_config_tree(tmp_path / "configs", job_config(**FAST_JOBS))
    first_log = tmp_path / "first.log"
    first = start_worker(store.url, configs, data_dir, first_log, hooks=SLOW_FOLDS)
    try:
        wait_until(lambda: _stored_folds(store, job.id) >= 1, 90, "a stored fold")
    finally:
        first.kill()
    assert first.wait(timeout=10) == -signal.SIGKILL
    finished = _stored_folds(store, job.id)
    assert 1 <= finished < FOLDS
    assert _job(store, job.id).state is JobState.RUNNING
    assert store.repo.get_validation(job.id, OWNER) is None

    second_log = tmp_path / "second.log"
    second = start_worker(store.url, configs, data_dir, second_log, "--once")
    assert second.wait(timeout=120) == 0
    done = _job(store, job.id)
    assert (done.state, done.attempt, done.stage) == (JobState.SUCCEEDED, 2, f"fold {FOLDS}/{FOLDS}: stage_b")
    assert _stage_a_runs(second_log, job.id) == FOLDS - finished  # one search per unfinished fold only

    sync = run_walk_forward(RunBacktestRequest.model_validate(body), reference_ctx)
    assert sync.validation is not None
    assert store.repo.get_validation(job.id, OWNER) == sync.validation.model_dump(mode="json")
    top = store.repo.get_top(job.id, OWNER, 100)
    assert top is not None and [row.variant_key for row in top] == [row.variant_key for row in sync.variants]
