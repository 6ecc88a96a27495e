"""One search in-process vs on a local 2-worker Ray cluster: same top (asserted), the share of wall
time spent in the search, per-task overhead, and a scaling model for 8-512 workers calibrated on them.

Workloads: W1 (bench/compare_vectorbt.py: SMA 5..200 x 40 SL/TP, long-only, top 300, full grid) and a
larger two-indicator search (SMA 5..200 AND EMA 5..50 step 5, same risk grid, preselect 300).

    uv sync --extra ray && uv run python -m bench.bench_distributed [--bars 500000] [--cluster HOST:PORT]

Without --cluster a local cluster (2 CPUs, loopback, ports 36300-36359) is started and stopped.
Numbers on a shared, loaded machine are pessimistic: other processes take CPU from the workers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from typing import Any

import numpy as np

from bench.compare_vectorbt import SEED, START_MS, WINDOWS, _request
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.adapters.outbound.executors.local_ray_cluster import (
    LocalClusterSpec,
    start_local_cluster,
    stop_local_cluster,
)
from trading.contexts.backtest.adapters.outbound.executors.ray_executor import RayExecutor
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.shard_plan import ShardSizing
from trading.contexts.backtest.application.services.sharded_search_driver import DriverSettings, ShardedSearchDriver
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, limit_numba_threads
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

MODEL_WORKERS = (8, 32, 128, 512)


class _Quiet:
    def on_progress(self, stage: str, processed: int, total: int) -> None: ...

    def should_stop(self) -> bool:
        return False

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None: ...


def two_indicator_request(n_bars: int) -> RunBacktestRequest:
    body = _request(n_bars, 300)
    body["indicators"] = [
        body["indicators"][0],
        {"indicator_id": "ma.ema", "params": {"window": {"mode": "range", "start": 5, "stop_incl": 50, "step": 5}}},
    ]
    return RunBacktestRequest.model_validate(body)


def measure(ctx: BacktestContext, request: RunBacktestRequest, executor: RayExecutor, slots: int) -> dict[str, Any]:
    plan = plan_search(request, ctx.store(), ctx.config)
    prepared = prepare_search(plan)
    core, sizes = prepared.core, plan.sizes
    limit_numba_threads(ctx.config)
    started = time.perf_counter()
    shortlist = core.stage_a(sizes.preselect, _Quiet())
    local_top = core.stage_b(shortlist, sizes.top_k, _Quiet())
    in_process = time.perf_counter() - started
    # single-thread work of the same search: the shards' own busy time (measured below) is the better
    # number; in-process wall with 2 numba threads is reported for the speed-up.
    distributed = ctx.config.distributed
    settings = DriverSettings(
        ShardSizing(distributed.target_task_seconds, distributed.min_tasks_per_slot), verify_top_n=3
    )
    warm = ShardedSearchDriver(prepared, executor, settings)
    warm.run(_Quiet())  # numba cache load in the workers; per-worker prepare is measured separately
    driver = ShardedSearchDriver(prepared, executor, settings)
    started = time.perf_counter()
    ray_shortlist, ray_top = driver.run(_Quiet())
    wall = time.perf_counter() - started
    assert ray_shortlist.tolist() == shortlist.tolist()
    assert list(ray_top.keys) == list(local_top.keys) and ray_top.metrics.tobytes() == local_top.metrics.tobytes()
    tasks = sum(driver.stats.results_merged.values())
    busy = driver.stats.task_seconds
    return {
        "stage_a_variants": sizes.stage_a,
        "stage_b_variants": sizes.stage_b,
        "bars": plan.timeline.n_target,
        "in_process_seconds_2_threads": in_process,
        "ray_wall_seconds": wall,
        "tasks": tasks,
        "task_seconds_sum": busy,
        "mean_task_seconds": busy / tasks,
        "search_share_of_wall": busy / (slots * wall),
        "overhead_per_task_ms": 1000 * (slots * wall - busy) / tasks,
        "speedup_vs_in_process": in_process / wall,
        "top_identical": True,
    }


def dispatch_overhead(ctx: BacktestContext, executor: RayExecutor, slots: int, shards: int = 64) -> dict[str, float]:
    """Per-task cost of the executor itself: W1 on 20k bars cut into `shards` tiny shards per stage, so
    (slots x wall - busy) / tasks is scheduling, shipping and merging, not scoring."""
    prepared = prepare_search(
        plan_search(RunBacktestRequest.model_validate(_request(20_000, 196)), ctx.store(), ctx.config)
    )
    settings = DriverSettings(ShardSizing(2.0, 4, shards))
    ShardedSearchDriver(prepared, executor, settings).run(_Quiet())  # warm the workers' caches of code
    driver = ShardedSearchDriver(prepared, executor, settings)
    started = time.perf_counter()
    driver.run(_Quiet())
    wall = time.perf_counter() - started
    tasks = sum(driver.stats.results_merged.values())
    return {
        "tasks": tasks,
        "wall_seconds": wall,
        "task_seconds_sum": driver.stats.task_seconds,
        "overhead_per_task_ms": 1000 * (slots * wall - driver.stats.task_seconds) / tasks,
    }


def scaling_model(result: dict[str, Any], target_task_seconds: float) -> list[dict[str, float]]:
    """wall(W) = S/W + n_tasks(W)/W * o + c: S = single-thread shard work, o = per-task overhead,
    c = the driver's serial part (one task round per stage + merge), tasks sized as the driver does
    (>= 4 per slot, ~target seconds each)."""
    work = result["task_seconds_sum"]
    overhead = result["overhead_per_task_ms"] / 1000
    serial = 2 * overhead  # two stage barriers
    rows = []
    for workers in MODEL_WORKERS:
        n_tasks = max(work / target_task_seconds, 2 * 4 * workers)  # two stages, >= 4 tasks per slot each
        wall = work / workers + n_tasks / workers * overhead + serial
        rows.append(
            {
                "workers": workers,
                "wall_seconds": wall,
                "efficiency": work / (workers * wall),
                "mean_task_seconds": work / n_tasks,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--cluster", default=None)
    parser.add_argument("--overhead-only", action="store_true", help="Only the per-task dispatch overhead.")
    args = parser.parse_args()
    config = default_backtest_config()
    data_dir = tempfile.mkdtemp(prefix="bench_dist_")
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, args.bars, SEED)
    ctx = BacktestContext(data_dir, config)
    spec = LocalClusterSpec(36300, 36359, 2, 200_000_000, tempfile.mkdtemp(prefix="bench_ray_"))
    if args.cluster is None:
        start_local_cluster(spec)
    try:
        executor = RayExecutor(args.cluster or spec.address, config.distributed.cpus_per_task)
        slots = 2
        if args.overhead_only:
            print(json.dumps(dispatch_overhead(ctx, executor, slots), indent=2))
            return
        results: dict[str, Any] = {
            "dispatch_overhead": dispatch_overhead(ctx, executor, slots),
            "w1_sma_full_grid": measure(
                ctx, RunBacktestRequest.model_validate(_request(args.bars, len(WINDOWS))), executor, slots
            ),
            "sma_and_ema": measure(ctx, two_indicator_request(args.bars), executor, slots),
        }
        for name in ("w1_sma_full_grid", "sma_and_ema"):
            result = results[name]
            result["model"] = scaling_model(result, config.distributed.target_task_seconds)
        print(json.dumps(results, indent=2, default=lambda v: float(v) if isinstance(v, np.floating) else str(v)))
    finally:
        if args.cluster is None:
            stop_local_cluster(spec)


if __name__ == "__main__":
    main()
