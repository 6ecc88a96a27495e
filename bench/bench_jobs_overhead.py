"""The same search run sync and as a job (worker in-process) on SQLite and on PostgreSQL: wall times and
the job's overhead over sync (target < 10%), plus the job's store writes.

    uv run python bench/bench_jobs_overhead.py                      # ~60 s per run
    uv run python bench/bench_jobs_overhead.py --days 20 --windows 20  # a quick look

The job runs with the environment's jobs config (snapshot cadence, lease, heartbeat); its top must equal
the sync variants, or the bench fails.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

import psycopg
from psycopg import sql

from tests.conftest_pg import server_url, with_search_path
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    preflight_backtest,
    run_backtest,
)
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import JobOutcome, run_backtest_job
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
OWNER = "bench"
# HEARTBEAT runs on its own thread, off the search's critical path.
OFF_PATH_CALLS = frozenset({"heartbeat"})


@dataclass(frozen=True)
class RunResult:
    seconds: float
    top: list[tuple[Any, ...]]  # (rank, variant_key, variant_index)
    writes: dict[str, int] = field(default_factory=dict)
    store_seconds: float = 0.0  # time inside store calls on the search's thread


class TimedStore:
    """Delegates to a job store and adds up the wall time of each call, per method."""

    def __init__(self, repo: BacktestJobsRepository) -> None:
        self._repo = repo
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._repo, name)
        if not callable(attribute):
            return attribute

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed_call


def search_request(days: int, windows: int, preselect: int) -> dict[str, Any]:
    return {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "1m",
        "time_range": {"start": _iso_day(1), "end": _iso_day(1 + days)},
        "warmup_bars": 300,
        "indicators": [
            {
                "indicator_id": "ma.sma",
                "params": {"window": {"mode": "range", "start": 5, "stop_incl": 4 + windows, "step": 1}},
            },
            {"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [8, 13, 21, 34, 55]}}},
        ],
        "risk": {
            "sl_pct": {"mode": "explicit", "values": [None, 0.5, 1.0, 2.0]},
            "tp_pct": {"mode": "explicit", "values": [None, 1.0, 2.0, 4.0]},
        },
        "execution": {"direction_mode": "long_short"},
        "preselect": preselect,
    }


def _iso_day(day_offset: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START_MS // 1000 + day_offset * 86_400))


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    schema = f"bench_{uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield with_search_path(url, schema)
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def run_as_job(db_url: str, body: dict[str, Any], ctx: BacktestContext) -> RunResult:
    """Enqueue, claim and run to the end in this process; wall time covers claim to terminal state."""
    repo = open_jobs_repository(db_url)
    try:
        repo.migrate()
        job = repo.create_job(OWNER, body, max_active_jobs=10)
        jobs = ctx.config.jobs
        timed_store = TimedStore(repo)

        def claim_and_run() -> JobOutcome:
            claimed = repo.claim_next("bench", jobs.lease_seconds, jobs.max_attempts)
            assert claimed is not None and claimed.id == job.id
            return run_backtest_job(claimed, cast(BacktestJobsRepository, timed_store), ctx, "bench")

        seconds, outcome = timed(claim_and_run)
        assert outcome is JobOutcome.SUCCEEDED, outcome
        rows = repo.get_top(job.id, OWNER, 100_000) or []
        on_path = sum(v for k, v in timed_store.seconds.items() if k not in OFF_PATH_CALLS)
        top = [(r.rank, r.variant_key, r.variant_index) for r in rows]
        return RunResult(seconds, top, dict(repo.write_counts), on_path)
    finally:
        repo.close()


def sync_top(request: RunBacktestRequest, ctx: BacktestContext) -> RunResult:
    seconds, response = timed(lambda: run_backtest(request, ctx))
    return RunResult(seconds, [(v.rank, v.variant_key, v.variant_index) for v in response.variants])


def main() -> None:
    parser = argparse.ArgumentParser(description="Job vs sync wall time for the same search.")
    parser.add_argument("--days", type=int, default=200, help="1m bars in the searched range, in days")
    parser.add_argument("--windows", type=int, default=200, help="SMA windows (x 5 EMA windows = Stage A size)")
    parser.add_argument("--preselect", type=int, default=1000, help="shortlist size (x 16 risk = Stage B size)")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds of sync, job sqlite, job postgres")
    parser.add_argument("--pg-url", default=server_url(), help="PostgreSQL server ('' skips the PostgreSQL run)")
    args = parser.parse_args()

    config = default_backtest_config()
    request = RunBacktestRequest.model_validate(search_request(args.days, args.windows, args.preselect))
    body = request.model_dump(mode="json")
    sync_request = request.model_copy(update={"top_k": config.jobs.top_k_persisted_default})
    pg_schema = postgres_schema(args.pg_url) if args.pg_url else nullcontext(None)
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp, pg_schema as pg_url:
        data_dir = Path(tmp) / "data"
        write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, (args.days + 2) * 1440, 5)
        ctx = BacktestContext(str(data_dir), config)
        run_backtest(RunBacktestRequest.model_validate(search_request(2, 3, 3)), ctx)  # JIT outside the timings
        plan = preflight_backtest(request, ctx)
        print(
            f"search: {plan.stage_a_variants_total:,} Stage A + {plan.stage_b_variants_total:,} Stage B variants "
            f"over {plan.bars['target']:,} bars; persisted top {sync_request.top_k}; snapshot cadence "
            f"{config.jobs.snapshot_seconds} s / {config.jobs.snapshot_variants_step:,} variants"
        )
        modes: dict[str, Callable[[], RunResult]] = {
            "sync": lambda: sync_top(sync_request, ctx),
            "job sqlite": lambda: run_as_job(f"sqlite:///{tmp}/jobs.sqlite3", body, ctx),
        }
        if pg_url is not None:
            modes["job postgres"] = lambda: run_as_job(pg_url, body, ctx)
        runs: dict[str, list[RunResult]] = {name: [] for name in modes}
        for _ in range(args.rounds):
            for name, run in modes.items():
                result = run()
                expected = runs["sync"][0].top if runs["sync"] else result.top  # sync runs first
                assert result.top == expected, f"{name}: the top differs from the sync variants"
                runs[name].append(result)
    report(runs)


def report(runs: dict[str, list[RunResult]]) -> None:
    sync = [r.seconds for r in runs["sync"]]
    best_sync, median_sync = min(sync), statistics.median(sync)
    print(f"{'mode':<14}{'best s':>8}{'vs sync':>9}{'median s':>10}{'vs sync':>9}{'store s':>9}   writes (last run)")
    for name, results in runs.items():
        seconds = [r.seconds for r in results]
        best, median = min(seconds), statistics.median(seconds)
        store = statistics.median(r.store_seconds for r in results)
        writes = results[-1].writes
        shown = ", ".join(f"{k}={v}" for k, v in sorted(writes.items()) if k not in ("create_job", "claim_next"))
        print(
            f"{name:<14}{best:>8.2f}{(best / best_sync - 1) * 100:>+8.1f}%{median:>10.2f}"
            f"{(median / median_sync - 1) * 100:>+8.1f}%{store:>9.3f}   {shown}"
        )


if __name__ == "__main__":
    main()
