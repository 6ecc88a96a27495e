"""`trading jobs` against a real job store (SQLite file and PostgreSQL): submit, watch while a worker
runs it, top, list, show and cancel; and against a live server over HTTP."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from uuid import UUID

import yaml
from typer.testing import CliRunner

from apps.cli.main import app
from apps.worker.stop_signals import StopRequest
from apps.worker.worker_loop import run_worker
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.identity.application.resolve_user import LOCAL_USER_ID

from .conftest import Store
from .support import job_config, request_json

runner = CliRunner()
ENV = {"TRADING_ENV": "test", "COLUMNS": "200"}


def _jobs(*args: str, store: Store, data_dir: Path) -> str:
    result = runner.invoke(app, ["jobs", *args, "--db", store.url, "--data-dir", str(data_dir)], env=ENV)
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def _request_file(tmp_path: Path) -> Path:
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(request_json(sma_stop=12, top_k=5)))
    return path


def test_submit_watch_top_round_trip(store: Store, data_dir: Path, tmp_path: Path) -> None:
    submitted = _jobs("submit", str(_request_file(tmp_path)), store=store, data_dir=data_dir)
    job_id = re.search(r"submitted job ([0-9a-f-]{36}) \(queued\)", submitted)
    assert job_id, submitted
    job_id = job_id.group(1)

    ctx = BacktestContext(str(data_dir), job_config())
    worker = threading.Thread(target=run_worker, args=(store.repo, ctx, "cli", StopRequest()), kwargs={"drain": True})
    worker.start()
    watched = _jobs("watch", job_id, "--show", "3", store=store, data_dir=data_dir)
    worker.join(120)
    assert f"job {job_id} succeeded" in watched
    assert "Top 3 by total_return_pct" in watched

    stored_top = store.repo.get_top(UUID(job_id), LOCAL_USER_ID, 5)
    assert stored_top
    top = _jobs("top", job_id, "--limit", "5", store=store, data_dir=data_dir)
    first_row = next(line for line in top.splitlines() if re.match(r"^│\s+1 │", line))
    assert f"{stored_top[0].ranking_metrics['total_return_pct']:.2f}" in first_row

    listed = _jobs("list", "--state", "succeeded", store=store, data_dir=data_dir)
    assert job_id[:8] in listed and "1:BTCUSDT" in listed and "100%" in listed
    shown = _jobs("show", job_id, store=store, data_dir=data_dir)
    assert "succeeded - finished (100%)" in shown and "timeframe: 5m" in shown


def test_a_constrained_job_prints_its_rejection_counts_under_the_top(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "constrained.yaml"
    constraint = {"metric": "num_trades", "op": ">=", "value": 150.0}
    path.write_text(yaml.safe_dump(request_json(sma_stop=12, top_k=5, preselect=30) | {"constraints": [constraint]}))
    job_id = re.findall(r"[0-9a-f-]{36}", _jobs("submit", str(path), store=store, data_dir=data_dir))[0]
    ctx = BacktestContext(str(data_dir), job_config())
    run_worker(store.repo, ctx, "cli", StopRequest(), drain=True)
    stored = store.repo.get_job(UUID(job_id), LOCAL_USER_ID)
    assert stored is not None and stored.constraint_rejections is not None
    (counts,) = stored.constraint_rejections
    assert counts["stage_b"] > 0
    top = _jobs("top", job_id, store=store, data_dir=data_dir)
    expected = f"constraint num_trades >= 150: rejected {counts['stage_a']:,} Stage A, {counts['stage_b']:,} Stage B"
    assert expected in top
    assert "constraints:" in _jobs("show", job_id, store=store, data_dir=data_dir)  # the stored request keeps them


def test_cancel_a_queued_job(store: Store, data_dir: Path, tmp_path: Path) -> None:
    submitted = _jobs("submit", str(_request_file(tmp_path)), store=store, data_dir=data_dir)
    job_id = re.findall(r"[0-9a-f-]{36}", submitted)[0]
    assert f"job {job_id} cancelled" in _jobs("cancel", job_id, store=store, data_dir=data_dir)
    assert job_id[:8] in _jobs("list", "--state", "cancelled", store=store, data_dir=data_dir)


def test_a_bad_request_is_refused_before_it_is_queued(store: Store, data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**request_json(), "timeframe": "7m"}))
    result = runner.invoke(app, ["jobs", "submit", str(path), "--db", store.url, "--data-dir", str(data_dir)], env=ENV)
    assert result.exit_code == 1 and "unknown timeframe '7m'" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_walk_forward_job_prints_its_report_after_the_top(store: Store, data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "walk_forward.yaml"
    validation = {"mode": "walk_forward", "folds": 2, "train": 300, "test": 100}
    path.write_text(yaml.safe_dump(request_json(sma_stop=12, top_k=5) | {"validation": validation}))
    job_id = re.findall(r"[0-9a-f-]{36}", _jobs("submit", str(path), store=store, data_dir=data_dir))[0]
    pending = _jobs("top", job_id, store=store, data_dir=data_dir)
    assert "no ranked rows yet" in pending

    ctx = BacktestContext(str(data_dir), job_config())
    run_worker(store.repo, ctx, "cli", StopRequest(), drain=True)
    top = _jobs("top", job_id, store=store, data_dir=data_dir)
    stored = store.repo.get_validation(UUID(job_id), LOCAL_USER_ID)
    assert stored is not None and len(stored["folds"]) == 2
    stitched = stored["stitched_metrics"]["total_return_pct"]
    assert f"stitched out of sample: return {stitched:.2f} %" in top
