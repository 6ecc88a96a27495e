"""Shared by the job runner's unit and integration tests: seeded candles, a small request, a tuned
config (also as a config tree for worker processes), worker processes, and the sync reference top."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import (
    BacktestRuntimeConfig,
    load_backtest_config,
)
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob
from trading.contexts.backtest.domain.value_objects.execution import RANKING_METRICS
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles
from trading.shared.config_paths import DEFAULT_CONFIG_ROOT

REPO_ROOT = DEFAULT_CONFIG_ROOT.parent
START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
OWNER = "alice"
TopSummary = list[tuple[Any, ...]]


def write_candles(data_dir: Path) -> Path:
    """Three days of seeded 1m bars (a few gaps) for 1:BTCUSDT."""
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, 3 * 1440, 11, 0.01)
    return data_dir


def job_config(**jobs: Any) -> BacktestRuntimeConfig:
    """The test environment's config with some `jobs.*` keys replaced."""
    base = load_backtest_config(DEFAULT_CONFIG_ROOT / "test" / "backtest.yaml")
    return base.model_copy(update={"jobs": base.jobs.model_copy(update=jobs)})


def write_config_tree(root: Path, config: BacktestRuntimeConfig) -> Path:
    """A TRADING_CONFIG_DIR whose `test` env is the repo's, with this backtest.yaml."""
    env_dir = root / "test"
    shutil.copytree(DEFAULT_CONFIG_ROOT / "test", env_dir)
    (env_dir / "backtest.yaml").write_text(yaml.safe_dump({"backtest": config.model_dump()}), encoding="utf-8")
    return root


def request_json(sma_start: int = 3, top_k: int | None = 12, preselect: int = 7, sma_stop: int = 30) -> dict[str, Any]:
    body: dict[str, Any] = {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "5m",
        "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
        "warmup_bars": 50,
        "indicators": [
            {
                "indicator_id": "ma.sma",
                "params": {"window": {"mode": "range", "start": sma_start, "stop_incl": sma_stop, "step": 1}},
            },
            {"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [5, 8, 13]}}},
        ],
        "risk": {
            "sl_pct": {"mode": "explicit", "values": [None, 0.3, 0.8]},
            "tp_pct": {"mode": "explicit", "values": [None, 0.5, 1.5]},
        },
        "execution": {"direction_mode": "long_short", "fee_pct": 0.05, "slippage_pct": 0.01},
        "top_k": top_k,
        "preselect": preselect,
    }
    return RunBacktestRequest.model_validate(body).model_dump(mode="json")


def _metrics(metrics: Mapping[str, float | None]) -> tuple[float | None, ...]:
    """Every metric the row carries, in one order; the sync response shows non-finite values as None."""
    values = (metrics[name] for name in RANKING_METRICS if name in metrics)
    return tuple(v if v is not None and math.isfinite(v) else None for v in values)


def sync_top(body: dict[str, Any], ctx: BacktestContext, top_k: int) -> TopSummary:
    """The sync search's variants for the same request with top_k = the job's persisted top."""
    request = RunBacktestRequest.model_validate(body | {"top_k": top_k})
    return [
        (
            v.rank,
            v.variant_index,
            v.variant_key,
            v.indicator_variant_key,
            _metrics(v.ranking_metrics),
            v.payload.model_dump(mode="json"),
            None if v.same_outcome is None else v.same_outcome.model_dump(mode="json"),
            None if v.stability is None else v.stability.model_dump(mode="json"),
        )
        for v in run_backtest(request, ctx).variants
    ]


def stored_top(repo: BacktestJobsRepository, job: BacktestJob | UUID) -> TopSummary:
    job_id = job.id if isinstance(job, BacktestJob) else job
    rows = repo.get_top(job_id, OWNER, 10_000)
    assert rows is not None
    return [
        (
            r.rank,
            r.variant_index,
            r.variant_key,
            r.indicator_variant_key,
            _metrics(r.ranking_metrics),
            r.payload,
            r.same_outcome,
            r.stability,
        )
        for r in rows
    ]


def one_position_chunks_core(core: Callable[..., Any]) -> Callable[..., Any]:
    """A StagedCore factory whose Stage B chunks hold one shortlisted base (all its risk variants)."""

    def small_chunks(**fields: Any) -> Any:
        return core(**fields, chunk_variant_bars=fields["close"].shape[0] * fields["risk"].size)

    return small_chunks


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def start_worker(
    db_url: str, config_dir: Path, data_dir: Path, log: Path, *args: str, hooks: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A `trading worker` process (through the test entry that can add crash/slow-down hooks)."""
    env = os.environ | {
        "TRADING_ENV": "test",
        "TRADING_CONFIG_DIR": str(config_dir),
        "TRADING_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    env |= hooks or {}
    command = [sys.executable, "-m", "tests.integration.jobs.worker_entry", "worker", "--db", db_url, *args]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
