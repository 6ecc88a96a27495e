"""Lease edge cases in-process: the heartbeat keeps a job through a setup longer than the lease, and a
worker whose lease was taken over writes nothing more."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.jobs.support import OWNER, job_config, request_json, stored_top, sync_top
from tests.unit.contexts.backtest.jobs.conftest import FakeClock, one_position_chunks
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services import job_runner_streaming_v1, staged_runner_v1
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome, run_backtest_job
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

SETUP_SECONDS_PER_INDICATOR = 1.0
PROBES_PER_INDICATOR = 10
LEASE_SECONDS = 0.8
HEARTBEAT_SECONDS = 0.2


@dataclass(frozen=True)
class Probe:
    """What a rival saw at one moment of the setup: its claim's answer and the job row."""

    at: datetime
    stolen: BacktestJob | None
    row: BacktestJob | None


def test_heartbeat_keeps_the_job_through_a_setup_longer_than_the_lease(
    repo: BacktestJobsRepository, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rival tries to claim the job every 0.1 s of a 2 s setup (0.8 s lease): each probe runs inside
    the setup itself, so how many there are and when they happen does not depend on thread scheduling
    on a loaded machine, and most of them come after the claim's own lease ran out."""
    ctx = BacktestContext(str(data_dir), job_config(lease_seconds=LEASE_SECONDS, heartbeat_seconds=HEARTBEAT_SECONDS))
    body = request_json()
    repo.create_job(OWNER, body, max_active_jobs=10)
    job = repo.claim_next("w1", lease_seconds=LEASE_SECONDS, max_attempts=3)
    assert job is not None and job.lease_expires_at is not None
    job_id = job.id
    real_compute = staged_runner_v1.target_signals
    probes: list[Probe] = []

    def slow_compute(*args: Any) -> Any:
        for _ in range(PROBES_PER_INDICATOR):
            time.sleep(SETUP_SECONDS_PER_INDICATOR / PROBES_PER_INDICATOR)
            at = datetime.now(UTC)
            stolen = repo.claim_next("w2", lease_seconds=LEASE_SECONDS, max_attempts=3)
            probes.append(Probe(at, stolen, repo.get_job(job_id, OWNER)))
        return real_compute(*args)

    monkeypatch.setattr(staged_runner_v1, "target_signals", slow_compute)
    started = time.monotonic()
    outcome = run_backtest_job(job, repo, ctx, "w1")
    elapsed = time.monotonic() - started
    assert elapsed > 2 * SETUP_SECONDS_PER_INDICATOR
    assert outcome is JobOutcome.SUCCEEDED
    assert len(probes) == 2 * PROBES_PER_INDICATOR and [p.stolen for p in probes] == [None] * len(probes)
    assert sum(p.at > job.lease_expires_at for p in probes) >= PROBES_PER_INDICATOR  # after the claim's lease
    for probe in probes:  # held by w1, with an unexpired lease, at every moment a rival looked
        assert probe.row is not None and probe.row.lease_expires_at is not None
        assert (probe.row.state, probe.row.lease_owner) == (JobState.RUNNING, "w1")
        assert probe.row.lease_expires_at > probe.at
    # One beat per 0.2 s would be 5 per second; a loaded machine delays the beats' thread, so the
    # cadence is checked at half that (a keeper that beat once per lease would fail it).
    assert repo.write_counts["heartbeat"] >= elapsed / (2 * HEARTBEAT_SECONDS)
    finished = repo.get_job(job.id, OWNER)
    assert finished is not None and (finished.state, finished.attempt) == (JobState.SUCCEEDED, 1)
    assert stored_top(repo, job) == sync_top(body, ctx, 12)


def test_a_worker_whose_lease_was_taken_over_writes_nothing_more(
    db_url: str, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    first = open_jobs_repository(db_url, now=clock)
    first.migrate()
    second = open_jobs_repository(db_url, now=clock)
    job = first.create_job(OWNER, request_json(top_k=5, preselect=30), max_active_jobs=10)
    claimed = first.claim_next("w1", lease_seconds=30, max_attempts=3)
    assert claimed is not None
    one_position_chunks(monkeypatch)
    frozen: dict[str, Any] = {}
    original = job_runner_streaming_v1.JobStreamObserver.on_stage_b_chunk

    def take_over_after_second_chunk(self: Any, frontier: Frontier, next_index: int) -> None:
        if next_index == 2 * 9:
            clock.advance(60)  # w1's lease expired (it stalled) ...
            assert second.claim_next("w2", lease_seconds=600, max_attempts=3) is not None  # ... and w2 took it
            frozen.update(counts=dict(first.write_counts), top=first.get_top(job.id, OWNER, 100))
        original(self, frontier, next_index)

    monkeypatch.setattr(job_runner_streaming_v1.JobStreamObserver, "on_stage_b_chunk", take_over_after_second_chunk)
    try:
        assert run_backtest_job(claimed, first, ctx, "w1") is JobOutcome.LEASE_LOST
        assert dict(first.write_counts) == frozen["counts"]
        assert frozen["counts"]["replace_top"] >= 1
        assert first.get_top(job.id, OWNER, 100) == frozen["top"]
        taken = first.get_job(job.id, OWNER)
        assert taken is not None
        assert (taken.state, taken.lease_owner, taken.attempt) == (JobState.RUNNING, "w2", 2)
    finally:
        first.close()
        second.close()
