"""The streaming job runner in-process on a real SQLite store: result parity with the sync search,
write amplification (top writes only when the frontier changed), no details at finalizing, structured
failures, cancel, and checkpoint/resume after a graceful stop."""

import dataclasses
import json
import threading
from typing import Any

import numpy as np
import pytest

from tests.integration.jobs.support import OWNER, request_json, stored_top, sync_top
from tests.unit.contexts.backtest.jobs.conftest import one_position_chunks
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services import (
    close_fill_scorer_v1,
    job_runner_streaming_v1,
    staged_core_runner_v1,
)
from trading.contexts.backtest.application.services.frontier import Frontier, RankingSpec
from trading.contexts.backtest.application.services.job_runner_streaming_v1 import StageBCheckpoint
from trading.contexts.backtest.application.use_cases import run_backtest, run_backtest_job_runner_v1
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome, run_backtest_job
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, JobState

Observer = job_runner_streaming_v1.JobStreamObserver
RISK_COUNT = 9  # the request's 3 sl x 3 tp values


def _claim(repo: BacktestJobsRepository, body: dict[str, Any], worker: str = "w1") -> BacktestJob:
    repo.create_job(OWNER, body, max_active_jobs=10)
    job = repo.claim_next(worker, lease_seconds=30, max_attempts=3)
    assert job is not None
    return job


def _state(repo: BacktestJobsRepository, job: BacktestJob) -> BacktestJob:
    stored = repo.get_job(job.id, OWNER)
    assert stored is not None
    return stored


@pytest.fixture(name="one_position_chunks")
def _one_position_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    one_position_chunks(monkeypatch)


def _on_chunk(monkeypatch: pytest.MonkeyPatch, hook: Any) -> None:
    """Run `hook(observer, frontier, next_index)` before the observer sees each Stage B chunk."""
    original = Observer.on_stage_b_chunk

    def wrapped(self: Observer, frontier: Frontier, next_index: int) -> None:
        hook(self, frontier, next_index)
        original(self, frontier, next_index)

    monkeypatch.setattr(Observer, "on_stage_b_chunk", wrapped)


@pytest.mark.parametrize(("top_k", "collapse"), [(12, None), (None, None), (None, False)])
def test_job_top_equals_the_sync_variants(
    repo: BacktestJobsRepository, ctx: BacktestContext, top_k: int | None, collapse: bool | None
) -> None:
    body = request_json(top_k=top_k, preselect=20)
    if collapse is not None:
        body["ranking"]["collapse_same_outcome"] = collapse
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.SUCCEEDED

    persisted = top_k or ctx.config.jobs.top_k_persisted_default  # 300 > the 180 Stage B variants
    expected = sync_top(body, ctx, persisted)
    if top_k:
        assert len(expected) == 12
    elif collapse is False:
        assert len(expected) == 20 * RISK_COUNT and all(row[-2] is None for row in expected)
    else:  # every outcome of the 180 variants, each once, its members counted (row[-2]: same_outcome)
        assert len(expected) < sum(row[-2]["count"] for row in expected) == 20 * RISK_COUNT
    assert stored_top(repo, job) == expected
    done = _state(repo, job)
    assert (done.state, done.stage, done.processed, done.total) == (JobState.SUCCEEDED, "stage_b", 180, 180)
    assert done.error_json is None and repo.load_checkpoint(job.id) is None


def test_top_is_written_only_when_the_frontier_changed(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch, one_position_chunks: None
) -> None:
    signatures: list[Any] = []
    _on_chunk(monkeypatch, lambda _obs, frontier, _i: signatures.append(frontier.signature()))
    materialised: list[int] = []
    real_rows = run_backtest_job_runner_v1.job_top_rows

    def counting_rows(*args: Any) -> Any:
        rows = real_rows(*args)
        materialised.append(len(rows))
        return rows

    monkeypatch.setattr(run_backtest_job_runner_v1, "job_top_rows", counting_rows)
    body = request_json(top_k=5, preselect=30)
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.SUCCEEDED

    changes = sum(1 for before, after in zip([None, *signatures], signatures, strict=False) if before != after)
    assert len(signatures) == 30  # every chunk was due a snapshot (snapshot_seconds=0)
    assert 1 <= changes < 30  # later chunks stop beating the top: those chunks must write nothing
    assert repo.write_counts["replace_top"] == changes
    # Rows are built only for writes (the first chunk's 9 variants hold fewer than 5 distinct outcomes).
    assert len(materialised) == changes and materialised[-1] == 5 and max(materialised) == 5
    assert repo.write_counts["save_checkpoint"] == 1 + 30  # the shortlist, then one per due chunk
    assert stored_top(repo, job) == sync_top(body, ctx, 5)


def test_cadence_throttles_snapshots_to_the_final_one(
    repo: BacktestJobsRepository, ctx: BacktestContext, one_position_chunks: None
) -> None:
    jobs = ctx.config.jobs.model_copy(update={"snapshot_seconds": 3600.0, "snapshot_variants_step": 10**9})
    slow = BacktestContext(ctx.data_dir, ctx.config.model_copy(update={"jobs": jobs}))
    body = request_json(top_k=5, preselect=30)
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, slow, "w1") is JobOutcome.SUCCEEDED
    assert repo.write_counts["replace_top"] == 1
    assert repo.write_counts["save_checkpoint"] == 1
    assert stored_top(repo, job) == sync_top(body, ctx, 5)


def test_finalizing_never_scores_details_even_with_eager_reports(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the details path ran inside a job")

    monkeypatch.setattr(close_fill_scorer_v1, "score_variant_with_details", forbidden)
    monkeypatch.setattr(run_backtest, "score_variant_with_details", forbidden)
    reporting = ctx.config.reporting.model_copy(update={"eager_top_reports_enabled": True})
    eager = BacktestContext(ctx.data_dir, ctx.config.model_copy(update={"reporting": reporting}))
    job = _claim(repo, request_json())
    assert run_backtest_job(job, repo, eager, "w1") is JobOutcome.SUCCEEDED
    assert len(stored_top(repo, job)) == 12


@pytest.mark.parametrize(
    ("body", "code", "detail_path"),
    [
        ({"instrument_id": "1:BTCUSDT", "timeframe": "5m"}, "validation_error", "time_range"),
        (request_json(preselect=10**9), "validation_error", "preselect"),
        (request_json() | {"instrument_id": "1:NOPEUSDT"}, None, None),
    ],
)
def test_a_bad_request_fails_the_job_with_a_structured_error(
    repo: BacktestJobsRepository, ctx: BacktestContext, body: dict[str, Any], code: str | None, detail_path: str | None
) -> None:
    job = _claim(repo, body)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.FAILED
    failed = _state(repo, job)
    assert failed.state is JobState.FAILED
    error = failed.error_json
    assert error is not None and set(error) >= {"code", "message", "details"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code
        assert detail_path in {d["path"].split(".")[0] for d in error["details"]}


def as_json(rows: list[Any]) -> str:
    return json.dumps([dataclasses.asdict(row) for row in rows], sort_keys=True)


def test_cancel_stops_at_the_next_chunk_and_keeps_the_last_snapshot(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch, one_position_chunks: None
) -> None:
    written: list[Any] = []
    real_rows = run_backtest_job_runner_v1.job_top_rows
    monkeypatch.setattr(
        run_backtest_job_runner_v1, "job_top_rows", lambda *a: written.append(real_rows(*a)) or written[-1]
    )
    job = _claim(repo, request_json(top_k=5, preselect=30))

    def cancel_after_third(_obs: Observer, _frontier: Frontier, next_index: int) -> None:
        if next_index == 3 * RISK_COUNT:
            repo.request_cancel(job.id, OWNER)

    _on_chunk(monkeypatch, cancel_after_third)
    assert run_backtest_job(job, repo, ctx, "w1") is JobOutcome.CANCELLED
    cancelled = _state(repo, job)
    assert (cancelled.state, cancelled.processed, cancelled.total) == (JobState.CANCELLED, 27, 270)
    rows = repo.get_top(job.id, OWNER, 100)
    # As JSON text: metrics such as SQN are NaN for variants with fewer than two trades, and NaN != NaN.
    assert rows is not None and as_json(rows) == as_json(written[-1]) and len(rows) == 5


def test_graceful_stop_checkpoints_releases_and_a_resume_equals_an_uninterrupted_run(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch, one_position_chunks: None
) -> None:
    body = request_json(top_k=8, preselect=30)
    job = _claim(repo, body)
    shutdown = threading.Event()
    _on_chunk(monkeypatch, lambda _o, _f, next_index: next_index == 4 * RISK_COUNT and shutdown.set())
    assert run_backtest_job(job, repo, ctx, "w1", shutdown) is JobOutcome.RELEASED

    released = _state(repo, job)
    assert (released.state, released.lease_owner, released.attempt) == (JobState.QUEUED, None, 0)
    stored = repo.load_checkpoint(job.id)
    assert stored is not None
    checkpoint = StageBCheckpoint.from_json(stored, RankingSpec())
    assert checkpoint is not None and checkpoint.next_index == 4 * RISK_COUNT
    assert checkpoint.frontier is not None and len(checkpoint.frontier) == 8

    stage_a_runs: list[int] = []
    real_stage_a = staged_core_runner_v1.StagedCore.stage_a
    monkeypatch.setattr(
        staged_core_runner_v1.StagedCore, "stage_a", lambda *a: stage_a_runs.append(1) or real_stage_a(*a)
    )
    resumed = repo.claim_next("w2", lease_seconds=30, max_attempts=3)
    assert resumed is not None and resumed.id == job.id and resumed.attempt == 1
    assert run_backtest_job(resumed, repo, ctx, "w2") is JobOutcome.SUCCEEDED
    assert stage_a_runs == []  # the shortlist came from the checkpoint
    assert stored_top(repo, job) == sync_top(body, ctx, 8)


def test_checkpoint_round_trip_is_bit_exact() -> None:
    frontier = Frontier(3, RankingSpec("profit_factor", "total_return_pct"))
    metrics = np.array([[1.5, -2.0, np.inf, 0.1], [0.1 + 0.2, np.nan, 2.0, -0.0], [3.0, 1.0, 1.0, 1.0]])
    frontier.offer(np.array([4, 9, 2]), metrics, lambda ids: [f"k{i}" for i in ids])
    checkpoint = StageBCheckpoint(np.array([7, 3, 11]), 27, frontier)
    back = StageBCheckpoint.from_json(checkpoint.to_json(), frontier.spec)
    assert back is not None and back.frontier is not None
    assert back.shortlist.tolist() == [7, 3, 11] and back.next_index == 27
    assert back.frontier.signature() == frontier.signature() and back.frontier.ids.tolist() == frontier.ids.tolist()
    assert StageBCheckpoint.from_json(checkpoint.to_json() | {"version": 0}, frontier.spec) is None


def test_a_cross_search_job_stores_the_sync_top_and_resumes_to_it(
    repo: BacktestJobsRepository, ctx: BacktestContext, monkeypatch: pytest.MonkeyPatch, one_position_chunks: None
) -> None:
    """Aliases, a cross rule and a param constraint survive the stored request, the checkpoint and the
    stored top rows (payloads keep `alias` and `rules`), and a resumed job equals the sync search."""
    window = {"mode": "range", "start": 3, "stop_incl": 30, "step": 1}
    body = request_json(top_k=8, preselect=30) | {
        "indicators": [
            {"indicator_id": "ma.sma", "alias": "fast", "params": {"window": window}},
            {"indicator_id": "ma.ema", "alias": "slow", "params": {"window": window}},
        ],
        "rules": [{"type": "cross", "first": "fast", "second": "slow"}],
        "param_constraints": [{"left": "fast.window", "op": "<", "right": "slow.window"}],
    }
    job = _claim(repo, body)
    shutdown = threading.Event()
    _on_chunk(monkeypatch, lambda _o, _f, next_index: next_index == 4 * RISK_COUNT and shutdown.set())
    assert run_backtest_job(job, repo, ctx, "w1", shutdown) is JobOutcome.RELEASED
    resumed = repo.claim_next("w2", lease_seconds=30, max_attempts=3)
    assert resumed is not None and run_backtest_job(resumed, repo, ctx, "w2") is JobOutcome.SUCCEEDED
    top = stored_top(repo, job)
    assert top == sync_top(body, ctx, 8)
    payload = top[0][5]
    assert payload["rules"] == [{"type": "cross", "first": "fast", "second": "slow"}]
    windows = {s["alias"]: s["params"]["window"] for s in payload["indicator_selections"]}
    assert windows["fast"] < windows["slow"]
    assert _state(repo, job).total == 30 * RISK_COUNT  # preselect 30 of the 378 kept pairs
