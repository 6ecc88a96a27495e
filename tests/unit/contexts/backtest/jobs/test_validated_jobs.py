"""Validated searches as jobs, in-process on a real SQLite store: a holdout job stores the sync run's
rows (out-of-sample metrics and stability included) and summary; a walk-forward job stores the sync
walk-forward's report, counts folds in its progress, and a resumed job runs only the unfinished folds."""

import threading
from typing import Any

import pytest

from tests.integration.jobs.support import OWNER, request_json, stored_top, sync_top
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.use_cases import run_walk_forward_job
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome, run_backtest_job
from trading.contexts.backtest.application.use_cases.run_walk_forward import run_walk_forward
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

HOLDOUT = {"mode": "holdout", "oos_fraction": 0.3}
WALK_FORWARD = {"mode": "walk_forward", "folds": 3, "train": 300, "test": 100}  # 720 5m bars in range


def _claim(repo: BacktestJobsRepository, body: dict[str, Any]) -> BacktestJob:
    repo.create_job(OWNER, body, max_active_jobs=10)
    job = repo.claim_next("w1", lease_seconds=30, max_attempts=3)
    assert job is not None
    return job


def _body(validation: dict[str, Any]) -> dict[str, Any]:
    return request_json(top_k=6, preselect=10) | {"validation": validation}


def _json(model: Any) -> Any:
    return model.model_dump(mode="json")


def test_a_plain_job_stores_the_sync_rows_stability(repo: BacktestJobsRepository, ctx: BacktestContext) -> None:
    body = request_json(top_k=6, preselect=10)
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.SUCCEEDED
    rows = stored_top(repo, job)
    assert rows == sync_top(body, ctx, 6)
    assert all(row[-1] is not None and row[-1]["neighbours"] > 0 for row in rows)
    assert repo.get_validation(job.id, OWNER) is None


def test_a_holdout_job_stores_the_sync_rows_and_summary(repo: BacktestJobsRepository, ctx: BacktestContext) -> None:
    body = _body(HOLDOUT)
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.SUCCEEDED

    sync = run_backtest(RunBacktestRequest.model_validate(body), ctx)
    stored = repo.get_top(job.id, OWNER, 100)
    assert stored is not None and len(stored) == len(sync.variants) == 6
    assert [row.oos_metrics for row in stored] == [row.oos_metrics for row in sync.variants]
    assert [row.stability for row in stored] == [_json(row.stability) for row in sync.variants]
    assert stored_top(repo, job) == sync_top(body, ctx, 6)  # the in-sample ranking itself
    assert sync.validation is not None
    assert repo.get_validation(job.id, OWNER) == _json(sync.validation)


def test_a_walk_forward_job_stores_the_sync_report_and_counts_folds(
    repo: BacktestJobsRepository, ctx: BacktestContext
) -> None:
    body = _body(WALK_FORWARD)
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.SUCCEEDED

    sync = run_walk_forward(RunBacktestRequest.model_validate(body), ctx)
    assert sync.validation is not None
    assert repo.get_validation(job.id, OWNER) == _json(sync.validation)
    stored = repo.get_top(job.id, OWNER, 100)
    assert stored is not None
    assert [row.variant_key for row in stored] == [row.variant_key for row in sync.variants]  # the last fold's
    done = repo.get_job(job.id, OWNER)
    assert done is not None and done.state is JobState.SUCCEEDED
    assert (done.stage, done.processed) == ("fold 3/3: stage_b", done.total) and done.total == 10 * 9


def test_a_released_walk_forward_job_resumes_at_the_first_unfinished_fold(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _body(WALK_FORWARD)
    job = _claim(repo, body)
    ran: list[int] = []
    real_run_fold = run_walk_forward_job.run_fold
    shutdown = threading.Event()

    def counting_run_fold(*args: Any) -> Any:
        ran.append(args[3])
        result = real_run_fold(*args)
        if args[3] == 2:
            shutdown.set()  # the worker is asked to stop while fold 2 is being stored
        return result

    monkeypatch.setattr(run_walk_forward_job, "run_fold", counting_run_fold)
    # Fold 2 finishes and is stored; the stop is seen in fold 3's first stop check.
    assert run_backtest_job(job, repo, ctx, "w1", shutdown) is JobOutcome.RELEASED
    checkpoint = repo.load_checkpoint(job.id)
    assert checkpoint is not None and [f["fold"] for f in checkpoint["walk_forward_folds"]] == [1, 2]
    assert repo.get_validation(job.id, OWNER) is None

    again = repo.claim_next("w2", lease_seconds=30, max_attempts=3)
    assert again is not None and again.id == job.id
    assert run_backtest_job(again, repo, ctx, "w2") is JobOutcome.SUCCEEDED
    assert ran == [1, 2, 3, 3]  # fold 3 was interrupted and rerun; folds 1 and 2 never ran again
    sync = run_walk_forward(RunBacktestRequest.model_validate(body), ctx)
    assert sync.validation is not None
    assert repo.get_validation(job.id, OWNER) == _json(sync.validation)


def test_a_fold_whose_constraints_leave_no_variant_fails_the_job_with_the_fold_named(
    repo: BacktestJobsRepository, ctx: BacktestContext
) -> None:
    body = _body(WALK_FORWARD) | {"constraints": [{"metric": "total_return_pct", "op": ">=", "value": 1e6}]}
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.FAILED
    failed = repo.get_job(job.id, OWNER)
    assert failed is not None and failed.error_json is not None
    assert (failed.error_json["code"], failed.error_json["fold"]) == ("walk_forward_fold_empty", 1)
    assert "fold 1: no variant of the train window" in failed.error_json["message"]
