"""Throughput of the metric-only close-fill kernel, in ns per bar per variant, against the floor: a
compiled loop over the same variants that only reads close and the signal row at every bar; and the
cost of each execution mode (intrabar stops, next-open fills, both) relative to close mode, same block,
same run; Stage B's lane walk (`score_bases_metric`: each row once for all its risk variants) on the
same block, in every execution mode; and the cost of the full ranking-metric set against
the four-metric pass it replaced (issue 11), in the same run: the baseline is that engine's source read
from git (`--baseline-rev`), so no copy of it lives here.

    uv run python bench/bench_scorer.py --bars 500000 --rows 200 --sl-values 5 --tp-values 8
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numba
import numpy as np
import numpy.typing as npt
from numba import njit, prange
from numba.core import config as numba_config

from trading.contexts.backtest.application.services.close_fill_engine import execution_scalars
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_bases_metric, score_block_metric
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams

FloatArray = npt.NDArray[np.float64]
ENGINE_PATH = "src/trading/contexts/backtest/application/services/close_fill_engine.py"
# The last engine that computed only the four ranking metrics of the original spec (with the
# execution modes of issue 10, which this bench runs in their default close / close setting).
FOUR_METRIC_REV = "033c173"
MINUTE_MS = 60_000
DAY_MS = 86_400_000


@njit(cache=True, parallel=True)
def floor_kernel(
    close: FloatArray, signals: npt.NDArray[np.int8], sig_idx: npt.NDArray[np.int64], out: FloatArray
) -> None:
    for v in prange(sig_idx.shape[0]):
        row = signals[sig_idx[v]]
        total = 0.0
        for t in range(close.shape[0]):
            total += close[t] * row[t]
        out[v] = total


def four_metric_kernel(rev: str) -> Callable[..., None]:
    """The batched four-metric pass of `rev`: its engine module loaded from git, wrapped in the same
    prange loop the scorer used then."""
    source = subprocess.run(["git", "show", f"{rev}:{ENGINE_PATH}"], check=True, capture_output=True, text=True)
    path = f"{tempfile.mkdtemp()}/four_metric_close_fill_engine.py"
    with open(path, "w") as handle:
        handle.write(source.stdout)
    spec = importlib.util.spec_from_file_location("four_metric_close_fill_engine", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    simulate = module.simulate_close_fill

    @njit(parallel=True, nogil=True, error_model="numpy")
    def kernel(close, signals, sig_idx, sl_pct, tp_pct, direction, sizing, cash, fixed, safe, fee, slip, out):
        for v in prange(sig_idx.shape[0]):
            metrics = simulate(
                close, signals[sig_idx[v]], sl_pct[v], tp_pct[v], direction, sizing, cash, fixed, safe, fee, slip,
                None, None, None, None,
            )
            out[v, 0] = metrics[0]

    return kernel


@dataclass(frozen=True)
class BenchBlock:
    close: FloatArray
    signals: npt.NDArray[np.int8]
    sig_idx: npt.NDArray[np.int64]
    sl_pct: FloatArray
    tp_pct: FloatArray
    bar_range: tuple[FloatArray, FloatArray, FloatArray]

    @property
    def bar_variants(self) -> int:
        return self.close.shape[0] * self.sig_idx.shape[0]


def make_block(n_bars: int, n_rows: int, n_sl: int, n_tp: int, change_prob: float, seed: int = 1) -> BenchBlock:
    """Random-walk closes; each signal row draws a new random state with probability `change_prob` per
    bar. The risk grid is sl x tp, each axis starting with 'disabled'."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.002, n_bars)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.001, n_bars)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.001, n_bars)))
    signals = np.empty((n_rows, n_bars), dtype=np.int8)
    for row in range(n_rows):
        change = rng.random(n_bars) < change_prob
        states = rng.integers(-1, 2, size=int(change.sum()) + 1).astype(np.int8)
        signals[row] = states[np.cumsum(change)]
    sl_axis = np.r_[math.nan, np.linspace(0.5, 5.0, n_sl - 1)]
    tp_axis = np.r_[math.nan, np.linspace(1.0, 10.0, n_tp - 1)]
    sl_grid, tp_grid = (axis.ravel() for axis in np.meshgrid(sl_axis, tp_axis, indexing="ij"))
    return BenchBlock(
        close=close,
        signals=signals,
        sig_idx=np.repeat(np.arange(n_rows, dtype=np.int64), sl_grid.shape[0]),
        sl_pct=np.tile(sl_grid, n_rows),
        tp_pct=np.tile(tp_grid, n_rows),
        bar_range=(open_, high, low),
    )


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """Best CPU time of the process (all threads): the machine is shared, and CPU time ignores the
    time other processes hold the cores."""
    run()  # compile / warm caches
    timings = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        timings.append(time.process_time() - start)
    return min(timings)


def scorer_seconds(
    block: BenchBlock, execution: ExecutionParams, repeats: int, bar_ms: int = MINUTE_MS, daily_ratios: bool = True
) -> float:
    """The ranking-metric set; `bar_ms` spaces the bars (1 day: every bar closes a day)."""
    ts_ms = np.arange(block.close.shape[0], dtype=np.int64) * bar_ms
    return best_seconds(
        lambda: score_block_metric(
            block.close,
            block.signals,
            block.sig_idx,
            block.sl_pct,
            block.tp_pct,
            execution,
            block.bar_range,
            ts_ms if daily_ratios else None,
        ),
        repeats,
    )


def lane_walk_seconds(block: BenchBlock, execution: ExecutionParams, repeats: int) -> float:
    """The same variants as Stage B scores them: each signal row once against the whole risk grid."""
    n_risk = block.sig_idx.shape[0] // block.signals.shape[0]
    ts_ms = np.arange(block.close.shape[0], dtype=np.int64) * MINUTE_MS
    row_idx = np.arange(block.signals.shape[0], dtype=np.int64)
    return best_seconds(
        lambda: score_bases_metric(
            block.close, block.signals, row_idx, block.sl_pct[:n_risk], block.tp_pct[:n_risk], execution,
            block.bar_range, ts_ms,
        ),
        repeats,
    )


def four_metric_seconds(block: BenchBlock, execution: ExecutionParams, repeats: int, rev: str) -> float:
    kernel = four_metric_kernel(rev)
    out = np.empty((block.sig_idx.shape[0], 1), dtype=np.float64)
    scalars = execution_scalars(execution)
    return best_seconds(
        lambda: kernel(block.close, block.signals, block.sig_idx, block.sl_pct, block.tp_pct, *scalars, out), repeats
    )


def floor_seconds(block: BenchBlock, repeats: int) -> float:
    out = np.empty(block.sig_idx.shape[0], dtype=np.float64)
    return best_seconds(lambda: floor_kernel(block.close, block.signals, block.sig_idx, out), repeats)


def scorer_to_floor_ratio(block: BenchBlock, execution: ExecutionParams, repeats: int) -> tuple[float, float]:
    """(scorer CPU ns per bar-variant, scorer / floor CPU time) with the current numba thread count."""
    scorer = scorer_seconds(block, execution, repeats)
    return scorer / block.bar_variants * 1e9, scorer / floor_seconds(block, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--sl-values", type=int, default=5, help="stop-loss axis length incl. disabled")
    parser.add_argument("--tp-values", type=int, default=8, help="take-profit axis length incl. disabled")
    parser.add_argument("--change-prob", type=float, default=0.02, help="per-bar chance of a new signal state")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--baseline-rev", default=FOUR_METRIC_REV, help="git revision of the four-metric engine")
    args = parser.parse_args()
    block = make_block(args.bars, args.rows, args.sl_values, args.tp_values, args.change_prob)
    execution = ExecutionParams(fee_pct=0.075, slippage_pct=0.01)
    print(
        f"bars={args.bars} variants={block.sig_idx.shape[0]} bar-variants={block.bar_variants:.3e} "
        f"change_prob={args.change_prob}"
    )
    for threads in (1, 2):
        numba.set_num_threads(min(threads, numba_config.NUMBA_NUM_THREADS))  # pyright: ignore[reportAttributeAccessIssue]
        ns_per_bar, ratio = scorer_to_floor_ratio(block, execution, args.repeats)
        print(f"threads={threads}: scorer {ns_per_bar:.3f} CPU ns/bar/variant, {ratio:.2f}x floor")
        lanes = lane_walk_seconds(block, execution, args.repeats)
        print(f"threads={threads}: Stage B lane walk {lanes / block.bar_variants * 1e9:.3f} CPU ns/bar/variant")
        print_lane_walk_modes(block, execution, args.repeats, threads)
    print_mode_costs(block, execution, args.repeats)
    numba.set_num_threads(1)
    four = four_metric_seconds(block, execution, args.repeats, args.baseline_rev)
    cases = (
        ("full set, 1m bars", MINUTE_MS, True),
        ("full set, 1d bars", DAY_MS, True),
        ("without daily ratios", MINUTE_MS, False),
    )
    for name, bar_ms, daily in cases:
        seconds = scorer_seconds(block, execution, args.repeats, bar_ms, daily)
        print(f"threads=1: {name} / four-metric pass of {args.baseline_rev}: {seconds / four:.3f}x")


def print_lane_walk_modes(block: BenchBlock, execution: ExecutionParams, repeats: int, threads: int) -> None:
    """The other execution modes: the reference kernel (one walk per variant) and the lane walk, same block."""
    for stop_mode, fill in (("close", "next_open"), ("intrabar", "close"), ("intrabar", "next_open")):
        mode = replace(execution, stop_mode=stop_mode, fill=fill)
        reference = scorer_seconds(block, mode, repeats)
        lanes = lane_walk_seconds(block, mode, repeats)
        print(
            f"threads={threads}: stop_mode={stop_mode} fill={fill} reference "
            f"{reference / block.bar_variants * 1e9:.3f}, lane walk {lanes / block.bar_variants * 1e9:.3f} "
            f"CPU ns/bar/variant ({reference / lanes:.2f}x)"
        )


def print_mode_costs(block: BenchBlock, execution: ExecutionParams, repeats: int) -> None:
    """Each execution mode against close mode on the same block, interleaved so load drifts hit all."""
    modes = {
        "close": replace(execution),
        "intrabar": replace(execution, stop_mode="intrabar"),
        "next_open": replace(execution, fill="next_open"),
        "intrabar+next_open": replace(execution, stop_mode="intrabar", fill="next_open"),
    }
    best = dict.fromkeys(modes, math.inf)
    for _ in range(repeats):
        for name, mode in modes.items():
            best[name] = min(best[name], scorer_seconds(block, mode, 1))
    for name, seconds in best.items():
        ns_per_bar = seconds / block.bar_variants * 1e9
        print(f"mode {name}: {ns_per_bar:.3f} CPU ns/bar/variant, {seconds / best['close']:.3f}x close mode")


if __name__ == "__main__":
    main()
