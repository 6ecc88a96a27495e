"""Where the staged search stands against the floor loop (issue 18): W1 and W3 through the real staged
search (plan -> prepare -> Stage A -> Stage B, as `run_backtest` runs it in process), each workload in
its own process (own peak RSS), and in the same process the floor loop of bench_scorer (a compiled
loop that walks a shared int8 signal row for each variant) over the same signal rows, so the ratios
hold on any machine.

W1 (bench/compare_vectorbt.py): long-only price vs SMA 5..200 x 40 SL/TP, full grid.
W3: long-only price vs SMA 20..200 AND RSI (windows 7..27 step 4, long threshold 20..40 step 5, short
threshold 60..80 step 5; mean reversion) x the same 40 SL/TP: 181 x 150 x 40 = 1,086,000 variants;
staged (the config's preselect) and full grid (preselect = Stage A count, every variant through Stage
B, on `--full-bars` bars: a full year by default). `--variants` shrinks W3 by its SMA window count.

Each workload's Stage A is taken apart on 256 bases (building their signal rows vs the kernel), and
W1's Stage B too: the lane walk Stage B runs (one pass per base for its 40 risk variants), the
reference kernel alone (one walk per variant), the same walks with stops off, one walk per base, an
always-flat and an always-long row (cost of a flat and of a held bar); plus the signal statistics
(share of bars long, changes per 1,000 bars) of W1's rows and of 64 W3 base rows spread over the grid.

    uv run python -m bench.bench_w3 [--bars 525600] [--variants 1086000] [--full-bars 525600]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.bench_memory_estimate import status_kib
from bench.bench_scorer import floor_kernel
from bench.compare_vectorbt import SEED, SL, START_MS, TP
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_bases_metric, score_block_metric
from trading.contexts.backtest.application.services.staged_core_runner_v1 import StagedCore
from trading.contexts.backtest.application.services.staged_runner_v1 import (
    SearchPlan,
    plan_search,
    prepare_search,
)
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    SyncObserver,
    limit_numba_threads,
)
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

INSTRUMENT = "1:BTCUSDT"
W3_SMA_START, W3_SMA_STOP = 20, 200
W3_RSI_ROWS = 6 * 5 * 5  # RSI windows x long thresholds x short thresholds
STAGE_A_SAMPLE_BASES = 256  # about one Stage A chunk on a year of 1m bars
FLOOR_SAMPLE_ROWS = 64  # W3 base rows the floor and the signal statistics read (x 40 variants each)
WORKLOADS = ("W1_full", "W3_staged", "W3_full")
WALL_KEYS = ("setup_wall_s", "stage_a_wall_s", "stage_b_wall_s")


def _range(start: float, stop: float, step: float) -> dict[str, Any]:
    return {"mode": "range", "start": start, "stop_incl": stop, "step": step}


def _body(n_bars: int, indicators: list[dict[str, Any]], preselect: int | None) -> dict[str, Any]:
    return {
        "instrument_id": INSTRUMENT,
        "timeframe": "1m",
        "time_range": {"start": START_MS / 1000, "end": (START_MS + n_bars * 60_000) / 1000},
        "warmup_bars": 0,
        "indicators": indicators,
        "risk": {"sl_pct": {"mode": "explicit", "values": SL}, "tp_pct": {"mode": "explicit", "values": TP}},
        "execution": {"direction_mode": "long_only", "fee_pct": 0.075, "slippage_pct": 0.01},
        "top_k": 300,
        "preselect": preselect,
    }


def w1_body(n_bars: int) -> dict[str, Any]:
    sma = {"indicator_id": "ma.sma", "params": {"window": _range(5, 200, 1)}}
    return _body(n_bars, [sma], preselect=196)


def w3_sma_windows(variants: int) -> int:
    """SMA windows (from 20) that bring W3 closest to `variants`, at least one, at most 181."""
    per_window = W3_RSI_ROWS * len(SL) * len(TP)
    return max(1, min(W3_SMA_STOP - W3_SMA_START + 1, round(variants / per_window)))


def w3_body(n_bars: int, variants: int, full_grid: bool) -> dict[str, Any]:
    windows = w3_sma_windows(variants)
    sma = {"indicator_id": "ma.sma", "params": {"window": _range(W3_SMA_START, W3_SMA_START + windows - 1, 1)}}
    rsi = {
        "indicator_id": "momentum.rsi",
        "params": {"window": _range(7, 27, 4)},
        "signals": {"long_threshold": _range(20, 40, 5), "short_threshold": _range(60, 80, 5)},
    }
    return _body(n_bars, [sma, rsi], preselect=windows * W3_RSI_ROWS if full_grid else None)


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU of the process over all threads) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def best_timed(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall and best CPU time after one warm-up call (compile, caches)."""
    run()
    runs = [timed(run) for _ in range(max(1, repeats))]
    return min(w for w, _ in runs), min(c for _, c in runs)


def floor_ns(close: np.ndarray, rows: np.ndarray, sig_idx: np.ndarray, repeats: int) -> dict[str, float]:
    """The floor loop's wall and CPU ns per variant-bar over these rows."""
    out = np.empty(sig_idx.shape[0], dtype=np.float64)
    wall, cpu = best_timed(lambda: floor_kernel(close, rows, sig_idx, out), repeats)
    scale = 1e9 / (sig_idx.shape[0] * close.shape[0])
    return {"wall_ns": wall * scale, "cpu_ns": cpu * scale}


def signal_stats(rows: np.ndarray) -> dict[str, float]:
    """Share of bars long / short and state changes per 1,000 bars, over all rows."""
    changes = np.count_nonzero(rows[:, 1:] != rows[:, :-1])
    return {
        "long_share": float(np.mean(rows == 1)),
        "short_share": float(np.mean(rows == -1)),
        "changes_per_1000_bars": 1000.0 * changes / rows.size,
    }


def _kernel_ns(core: StagedCore, rows: np.ndarray, sig_idx: np.ndarray, stops: bool, repeats: int) -> float:
    """CPU ns per variant-bar of the metric kernel alone (Stage B's call, one block)."""
    n_risk = core.risk.size
    n = sig_idx.shape[0]
    sl = np.resize(core.risk.sl_pct, n) if stops else np.full(n, np.nan)
    tp = np.resize(core.risk.tp_pct, n) if stops else np.full(n, np.nan)
    assert not stops or n % n_risk == 0
    _, cpu = best_timed(
        lambda: score_block_metric(core.close, rows, sig_idx, sl, tp, core.execution, core.bar_range, core.daily_ts_ms),
        repeats,
    )
    return cpu * 1e9 / (n * core.close.shape[0])


def _lane_walk_ns(core: StagedCore, rows: np.ndarray, row_idx: np.ndarray, repeats: int) -> float:
    """CPU ns per variant-bar of Stage B's own call: every base once against the whole risk grid."""
    _, cpu = best_timed(
        lambda: score_bases_metric(
            core.close, rows, row_idx, core.risk.sl_pct, core.risk.tp_pct, core.execution, core.bar_range,
            core.daily_ts_ms,
        ),
        repeats,
    )
    return cpu * 1e9 / (row_idx.shape[0] * core.risk.size * core.close.shape[0])


def stage_b_breakdown(core: StagedCore, shortlist: np.ndarray, repeats: int) -> dict[str, float]:
    """What one Stage B variant-bar costs in CPU ns, taken apart (W1: one bank, rows shared as they are)."""
    n_risk = core.risk.size
    _, signal_cpu = timed(lambda: core.space.signal_rows(shortlist))
    rows, row_idx = core.space.signal_rows(shortlist)
    per_base = row_idx.shape[0]
    flat, held = np.zeros((1, rows.shape[1]), np.int8), np.ones((1, rows.shape[1]), np.int8)
    one = np.zeros(per_base, dtype=np.int64)
    scale = 1e9 / (per_base * n_risk * core.close.shape[0])
    return {
        "signal_rows_cpu_ns": signal_cpu * scale,
        "lane_walk_cpu_ns": _lane_walk_ns(core, rows, row_idx, repeats),
        "kernel_cpu_ns": _kernel_ns(core, rows, np.repeat(row_idx, n_risk), True, repeats),
        "kernel_stops_off_cpu_ns": _kernel_ns(core, rows, np.repeat(row_idx, n_risk), False, repeats),
        "kernel_one_walk_per_base_cpu_ns": _kernel_ns(core, rows, row_idx, False, repeats),
        "kernel_always_flat_cpu_ns": _kernel_ns(core, flat, one, False, repeats),
        "kernel_always_long_cpu_ns": _kernel_ns(core, held, one, False, repeats),
    }


def stage_a_breakdown(core: StagedCore, repeats: int) -> dict[str, float]:
    """CPU ns per Stage A variant-bar on one chunk's worth of bases: building their signal rows (the AND
    of the banks, when there are several) and the kernel on those rows."""
    base_ids = np.arange(min(core.space.size, STAGE_A_SAMPLE_BASES), dtype=np.int64)
    _, signal_cpu = best_timed(lambda: core.space.signal_rows(base_ids), repeats)
    rows, row_idx = core.space.signal_rows(base_ids)
    return {
        "signal_rows_cpu_ns": signal_cpu * 1e9 / (base_ids.shape[0] * core.close.shape[0]),
        "kernel_cpu_ns": _kernel_ns(core, rows, row_idx, False, repeats),
    }


def measure(workload: str, data_dir: str, n_bars: int, variants: int, repeats: int) -> dict[str, Any]:
    """One workload in this process: the staged search, its peak RSS growth, the floor loop."""
    ctx = BacktestContext(data_dir, default_backtest_config())
    limit_numba_threads(ctx.config)
    body = w1_body(n_bars) if workload == "W1_full" else w3_body(n_bars, variants, workload == "W3_full")
    warm = {**body, "time_range": {"start": START_MS / 1000, "end": (START_MS + 2_000 * 60_000) / 1000}}
    run_staged(RunBacktestRequest.model_validate(warm), ctx)  # numba compile / cache load
    clear_peak_rss()
    baseline_kib = status_kib("VmRSS")
    plan, core, shortlist, times = run_staged(RunBacktestRequest.model_validate(body), ctx)
    peak_growth = (status_kib("VmHWM") - baseline_kib) * 1024
    n_target = core.close.shape[0]
    stage_a_vb, stage_b_vb = plan.sizes.stage_a * n_target, plan.sizes.stage_b * n_target
    # W1's rows are its bank; W3's are ANDed per chunk, so a sample spread over all bases stands in.
    n_sample = min(FLOOR_SAMPLE_ROWS, core.space.size) if workload != "W1_full" else core.space.size
    rows, row_idx = core.space.signal_rows(np.linspace(0, core.space.size - 1, n_sample).astype(np.int64))
    floor = floor_ns(core.close, rows, np.repeat(row_idx, core.risk.size), repeats)
    result: dict[str, Any] = {
        "workload": workload,
        "bars": n_target,
        "stage_a_variants": plan.sizes.stage_a,
        "stage_b_variants": plan.sizes.stage_b,
        **{name: round(value, 3) for name, value in times.items()},
        "stage_a_wall_ns_per_variant_bar": times["stage_a_wall_s"] * 1e9 / stage_a_vb,
        "stage_b_wall_ns_per_variant_bar": times["stage_b_wall_s"] * 1e9 / stage_b_vb,
        "stage_b_cpu_ns_per_variant_bar": times["stage_b_cpu_s"] * 1e9 / stage_b_vb,
        "search_wall_ns_per_stage_b_variant_bar": sum(times[k] for k in WALL_KEYS) * 1e9 / stage_b_vb,
        "floor_wall_ns": floor["wall_ns"],
        "floor_cpu_ns": floor["cpu_ns"],
        "peak_rss_growth_mb": peak_growth / 2**20,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "memory_estimate_mb": plan.memory_bytes / 2**20,
        "signals": signal_stats(rows),
    }
    result["stage_b_cpu_ratio_to_floor"] = result["stage_b_cpu_ns_per_variant_bar"] / floor["cpu_ns"]
    result["stage_b_wall_ratio_to_floor"] = result["stage_b_wall_ns_per_variant_bar"] / floor["wall_ns"]
    result["search_wall_ratio_to_floor"] = result["search_wall_ns_per_stage_b_variant_bar"] / floor["wall_ns"]
    result["stage_a_breakdown"] = stage_a_breakdown(core, repeats)
    if workload == "W1_full":
        result["stage_b_breakdown"] = stage_b_breakdown(core, shortlist, repeats)
    return result


def clear_peak_rss() -> None:
    """Reset the process's peak RSS (VmHWM) to its current RSS."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


class Laps:
    """Wall and process CPU time of consecutive steps, as `<step>_wall_s` / `<step>_cpu_s`."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, step: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.times[f"{step}_wall_s"], self.times[f"{step}_cpu_s"] = wall - self._wall, cpu - self._cpu
        self._wall, self._cpu = wall, cpu


def run_staged(
    request: RunBacktestRequest, ctx: BacktestContext
) -> tuple[SearchPlan, StagedCore, np.ndarray, dict[str, float]]:
    """The in-process path of `ranked_search`: plan (guards), prepare, Stage A, Stage B; wall and CPU."""
    observer = SyncObserver(None, None, None)
    laps = Laps()
    plan = plan_search(request, ctx.store(), ctx.config)
    plan.raise_problems()
    core = prepare_search(plan).core
    laps.lap("setup")
    shortlist = core.stage_a(plan.sizes.preselect, observer)
    laps.lap("stage_a")
    core.stage_b(shortlist, plan.sizes.top_k, observer)
    laps.lap("stage_b")
    return plan, core, shortlist, laps.times


def run_child(workload: str, data_dir: str, n_bars: int, variants: int, repeats: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.bench_w3", "--child", workload, data_dir]
    command += ["--bars", str(n_bars), "--variants", str(variants), "--repeats", str(repeats)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_all(n_bars: int, full_bars: int, variants: int, repeats: int, workloads: list[str]) -> dict[str, Any]:
    """Every workload in its own process on one seeded synthetic candle set; the load average is noted
    before and after, since the absolute times are the machine's and its neighbours'."""
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench_w3_") as data_dir:
        minutes = max(n_bars, full_bars, 2_000)
        write_synthetic_candles(CandleStore(data_dir), load_markets(), INSTRUMENT, START_MS, minutes, SEED)
        for workload in workloads:
            bars = full_bars if workload == "W3_full" else n_bars
            results[workload] = run_child(workload, data_dir, bars, variants, repeats)
    if "W3_full" in results and "W3_staged" in results and full_bars != n_bars:
        full = results["W3_full"]
        per_vb = full["stage_b_wall_ns_per_variant_bar"]
        results["W3_full_extrapolated_stage_b_wall_s"] = per_vb * 1e-9 * full["stage_b_variants"] * n_bars
    return {"load_average_before": load_before, "load_average_after": os.getloadavg(), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bars", type=int, default=525_600, help="bars of W1 and of staged W3")
    parser.add_argument("--full-bars", type=int, default=525_600, help="bars of the W3 full grid")
    parser.add_argument("--variants", type=int, default=1_086_000, help="W3 size (by its SMA window count)")
    parser.add_argument("--repeats", type=int, default=2, help="floor and breakdown timings: best of")
    parser.add_argument("--only", choices=WORKLOADS, action="append")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.bars, args.variants, args.repeats)))
        return
    report = run_all(args.bars, args.full_bars, args.variants, args.repeats, args.only or list(WORKLOADS))
    print(json.dumps(report, indent=2, default=_finite))


def _finite(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


if __name__ == "__main__":
    main()
