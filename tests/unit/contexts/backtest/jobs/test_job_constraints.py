"""A job with constraints on a real SQLite store: the stored request keeps them, the stored top and the
rejection counts equal the sync search's, and a job resumed after a stop (in process or sharded)
counts every variant exactly once. The API shows the constraints and the counts; a job stored
without the field still loads."""

import threading
from typing import Any

import pytest

from apps.api.dto.backtest_jobs import job_response
from tests.integration.jobs.support import OWNER, request_json, stored_top, sync_top
from tests.unit.contexts.backtest.jobs.conftest import one_position_chunks
from tests.unit.contexts.backtest.jobs.test_job_runner import _state
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services import job_runner_streaming_v1, staged_core_runner_v1
from trading.contexts.backtest.application.services.in_process_executor import InProcessExecutor
from trading.contexts.backtest.application.services.sharded_search_driver import StageShards
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome, run_backtest_job
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

Observer = job_runner_streaming_v1.JobStreamObserver
RISK_COUNT = 9
# Near the medians of the request's 270 Stage B variants: each rejects some in both stages, keeps others.
CONSTRAINTS = [
    {"metric": "num_trades", "op": ">=", "value": 130.0},
    {"metric": "max_drawdown_pct", "op": "<", "value": 16.7},
]


def _body() -> dict[str, Any]:
    return request_json(top_k=8, preselect=30) | {"constraints": CONSTRAINTS}


def _sync_counts(body: dict[str, Any], ctx: BacktestContext) -> list[dict[str, Any]]:
    response = run_backtest(RunBacktestRequest.model_validate(body), ctx)
    return [entry.model_dump(mode="json") for entry in response.constraint_rejections]


def _claim(repo: BacktestJobsRepository, worker: str) -> BacktestJob:
    job = repo.claim_next(worker, lease_seconds=30, max_attempts=3)
    assert job is not None
    return job


def test_a_constrained_job_keeps_its_constraints_and_stores_the_sync_rows_and_counts(
    repo: BacktestJobsRepository, ctx: BacktestContext
) -> None:
    body = _body()
    created = repo.create_job(OWNER, body, max_active_jobs=10)
    assert created.request_json["constraints"] == CONSTRAINTS
    assert job_response(created).constraint_rejections == []  # nothing scored yet
    job = _claim(repo, "w1")
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.SUCCEEDED

    expected_rows = sync_top(body, ctx, 8)
    assert stored_top(repo, job) == expected_rows
    plain = sync_top(request_json(top_k=1000, preselect=30), ctx, 1000)
    # one row per outcome (the default); row[-2] is the same-outcome group
    assert sum(row[-2]["count"] for row in plain) == 30 * RISK_COUNT and len(expected_rows) == 8
    assert expected_rows != plain[:8]  # the constraints changed the top
    done = _state(repo, job)
    counts = _sync_counts(body, ctx)
    assert all(entry["stage_a"] > 0 and entry["stage_b"] > 0 for entry in counts)
    assert done.constraint_rejections == counts
    shown = job_response(done)
    assert [c.model_dump(mode="json") for c in shown.request_summary.constraints or []] == CONSTRAINTS
    assert [c.model_dump(mode="json") for c in shown.constraint_rejections] == counts


def test_a_job_without_constraints_stores_no_counts_and_its_request_keeps_its_json(
    repo: BacktestJobsRepository, ctx: BacktestContext
) -> None:
    body = request_json(top_k=8, preselect=30)
    assert "constraints" not in body
    job = repo.create_job(OWNER, body, max_active_jobs=10)
    assert job.request_json == body
    assert run_backtest_job(_claim(repo, "w1"), repo, ctx, "w1") is JobOutcome.SUCCEEDED
    done = _state(repo, job)
    assert done.constraint_rejections is None
    shown = job_response(done)
    assert shown.constraint_rejections == [] and shown.request_summary.constraints is None


def test_an_explicit_empty_list_is_stored_and_overrides_the_config_default(
    repo: BacktestJobsRepository, ctx: BacktestContext
) -> None:
    ranking = ctx.config.ranking.model_copy(update={"constraints_default": tuple(CONSTRAINTS[:1])})
    defaulted = BacktestContext(ctx.data_dir, ctx.config.model_copy(update={"ranking": ranking}))
    body = request_json(top_k=8, preselect=30) | {"constraints": []}
    job = repo.create_job(OWNER, RunBacktestRequest.model_validate(body).model_dump(mode="json"), 10)
    assert job.request_json["constraints"] == []
    assert run_backtest_job(_claim(repo, "w1"), repo, defaulted, "w1") is JobOutcome.SUCCEEDED
    assert stored_top(repo, job) == sync_top(request_json(top_k=8, preselect=30), ctx, 8)
    assert _state(repo, job).constraint_rejections is None


def test_a_constrained_job_resumed_in_process_counts_each_variant_once(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_position_chunks(monkeypatch)
    body = _body()
    job = repo.create_job(OWNER, body, max_active_jobs=10)
    shutdown = threading.Event()
    original = Observer.on_stage_b_chunk

    def stop_at_four(self: Observer, frontier: Any, next_index: int) -> None:
        if next_index == 4 * RISK_COUNT:
            shutdown.set()
        original(self, frontier, next_index)

    monkeypatch.setattr(Observer, "on_stage_b_chunk", stop_at_four)
    assert run_backtest_job(_claim(repo, "w1"), repo, ctx, "w1", shutdown) is JobOutcome.RELEASED
    partial = _state(repo, job).constraint_rejections
    assert partial is not None
    assert sum(entry["stage_b"] for entry in partial) < sum(entry["stage_b"] for entry in _sync_counts(body, ctx))

    stage_a_runs: list[int] = []
    real_stage_a = staged_core_runner_v1.StagedCore.stage_a
    monkeypatch.setattr(
        staged_core_runner_v1.StagedCore, "stage_a", lambda *a: stage_a_runs.append(1) or real_stage_a(*a)
    )
    assert run_backtest_job(_claim(repo, "w2"), repo, ctx, "w2") is JobOutcome.SUCCEEDED
    assert stage_a_runs == []  # the shortlist and Stage A's counts came from the checkpoint
    assert stored_top(repo, job) == sync_top(body, ctx, 8)
    assert _state(repo, job).constraint_rejections == _sync_counts(body, ctx)


def test_a_constrained_sharded_job_resumed_after_a_stop_sums_each_shard_once(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = ctx.config.distributed.model_copy(update={"local_below_seconds": 0.0, "min_tasks_per_slot": 8})
    sharded = BacktestContext(ctx.data_dir, ctx.config.model_copy(update={"distributed": distributed}))
    body = _body()
    job = repo.create_job(OWNER, body, max_active_jobs=10)
    shutdown = threading.Event()
    merged_before_stop: list[int] = []
    original = Observer.on_stage_b_shards

    def stop_after_three(self: Observer, shards: StageShards, variants_merged: int) -> None:
        original(self, shards, variants_merged)
        if len(shards.merged) == 3 and not shutdown.is_set():
            merged_before_stop.append(len(shards.ranges))
            shutdown.set()

    monkeypatch.setattr(Observer, "on_stage_b_shards", stop_after_three)
    executor = InProcessExecutor()
    outcome = run_backtest_job(_claim(repo, "w1"), repo, sharded, "w1", shutdown, executor)
    assert outcome is JobOutcome.RELEASED
    assert merged_before_stop and merged_before_stop[0] >= 8

    resumed_executor = InProcessExecutor()
    outcome = run_backtest_job(_claim(repo, "w2"), repo, sharded, "w2", executor=resumed_executor)
    assert outcome is JobOutcome.SUCCEEDED
    assert _state(repo, job).state is JobState.SUCCEEDED
    assert stored_top(repo, job) == sync_top(body, ctx, 8)
    assert _state(repo, job).constraint_rejections == _sync_counts(body, ctx)


def test_a_constrained_holdout_job_stores_the_final_counts(repo: BacktestJobsRepository, ctx: BacktestContext) -> None:
    jobs = ctx.config.jobs.model_copy(update={"snapshot_seconds": 3600.0, "snapshot_variants_step": 10**9})
    rare = BacktestContext(ctx.data_dir, ctx.config.model_copy(update={"jobs": jobs}))  # no snapshot before the end
    body = _body() | {"validation": {"mode": "holdout", "oos_fraction": 0.3}}
    job = repo.create_job(OWNER, body, max_active_jobs=10)
    assert run_backtest_job(_claim(repo, "w1"), repo, rare, "w1") is JobOutcome.SUCCEEDED
    counts = _sync_counts(body, ctx)
    assert counts and all(entry["stage_b"] > 0 for entry in counts)
    assert _state(repo, job).constraint_rejections == counts
