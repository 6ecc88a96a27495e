"""The claim loop in-process: drains the queue, survives a storage error, logs one line per job start
and end, and a bad request ends its job `failed` without stopping the worker."""

import logging
from typing import Any

import pytest

from apps.worker.stop_signals import StopRequest
from apps.worker.worker_loop import run_worker
from tests.integration.jobs.support import OWNER, request_json
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome
from trading.contexts.backtest.domain.entities.backtest_job import JobState


def test_drain_runs_every_job_once_and_outlives_a_storage_error(
    repo: BacktestJobsRepository,
    ctx: BacktestContext,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bodies = [request_json(sma_start=3), {"instrument_id": "1:BTCUSDT"}, request_json(sma_start=4)]
    jobs = [repo.create_job(OWNER, body, max_active_jobs=10) for body in bodies]
    real_claim = repo.claim_next
    calls: list[int] = []

    def flaky_claim(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("database is locked")
        return real_claim(*args)

    monkeypatch.setattr(repo, "claim_next", flaky_claim)
    caplog.set_level(logging.INFO, logger="apps.worker")
    outcomes = run_worker(repo, ctx, "w1", StopRequest(), drain=True)

    assert outcomes == {JobOutcome.SUCCEEDED: 2, JobOutcome.FAILED: 1}
    assert len(calls) == 3 + 1 + 1  # three jobs, the failed claim (retried), the empty queue
    states = [repo.get_job(job.id, OWNER) for job in jobs]
    assert [s.state if s else None for s in states] == [JobState.SUCCEEDED, JobState.FAILED, JobState.SUCCEEDED]
    lines = [r.getMessage() for r in caplog.records if r.name == "apps.worker" and r.levelno == logging.INFO]
    ends = ["succeeded", "failed", "succeeded"]
    expected = [
        line for job, end in zip(jobs, ends, strict=True) for line in (f"job {job.id} start:", f"job {job.id} {end}")
    ]
    assert [" ".join(line.split()[:3]) for line in lines] == expected


def test_a_set_stop_claims_nothing(repo: BacktestJobsRepository, ctx: BacktestContext) -> None:
    job = repo.create_job(OWNER, request_json(), max_active_jobs=10)
    stop = StopRequest()
    stop.set()
    assert run_worker(repo, ctx, "w1", stop) == {}
    queued = repo.get_job(job.id, OWNER)
    assert queued is not None and queued.state is JobState.QUEUED
