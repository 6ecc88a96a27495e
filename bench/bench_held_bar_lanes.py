"""What a held bar costs when a base's risk variants share one walk (issue 18, idea 1): the engine's
per-bar work in a position (close stop compares, equity, `track_drawdown`) for every variant walked
on its own, as the engine does, against the same update interleaved over the `--lanes` risk variants
of a base in one pass over the bars, beside the floor loop. A model of the held loop, not the engine:
no signal exits, entries or trades; it says how much of W1's held-bar cost is the loop-carried chain
of one variant (bench_w3: an always-long row costs ~3.4 CPU ns against a ~0.54 ns floor).

    uv run python -m bench.bench_held_bar_lanes [--bars 525600] [--bases 49] [--lanes 40]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from bench.bench_scorer import best_seconds, floor_kernel
from trading.contexts.backtest.application.services.close_fill_engine import track_drawdown

FloatArray = npt.NDArray[np.float64]
SLACK = 1.0 + 1e-12  # the engine's drawdown pre-check slack, as its fresh accumulators start


@njit(cache=True, parallel=True, error_model="numpy")
def held_per_variant(
    close: FloatArray, qty: FloatArray, base: FloatArray, sl: FloatArray, tp: FloatArray, out: FloatArray
) -> None:
    """Each variant walks the bars alone, like `simulate_close_fill` in a position."""
    for v in prange(qty.shape[0]):
        peak, peak_bar, low_ratio, check, gap, stops = -math.inf, -1, 1.0, SLACK, 0, 0
        for t in range(close.shape[0]):
            price = close[t]
            stops += (price <= sl[v]) | (price >= tp[v])
            equity = base[v] + qty[v] * price
            peak, peak_bar, low_ratio, check, gap = track_drawdown(equity, t, peak, peak_bar, low_ratio, check, gap)
        out[v] = low_ratio + gap + stops


@njit(cache=True, parallel=True, error_model="numpy")
def held_lanes(
    close: FloatArray,
    qty: FloatArray,
    base: FloatArray,
    sl: FloatArray,
    tp: FloatArray,
    out: FloatArray,
    lanes: int,
) -> None:
    """The same update, the `lanes` variants of one base interleaved at every bar (state in arrays)."""
    for b in prange(qty.shape[0] // lanes):
        first = b * lanes
        peak = np.full(lanes, -math.inf)
        peak_bar = np.full(lanes, -1, dtype=np.int64)
        low_ratio = np.ones(lanes)
        check = np.full(lanes, SLACK)
        gap = np.zeros(lanes, dtype=np.int64)
        stops = np.zeros(lanes, dtype=np.int64)
        lane_qty, lane_base = qty[first : first + lanes].copy(), base[first : first + lanes].copy()
        lane_sl, lane_tp = sl[first : first + lanes].copy(), tp[first : first + lanes].copy()
        for t in range(close.shape[0]):
            price = close[t]
            for k in range(lanes):
                stops[k] += (price <= lane_sl[k]) | (price >= lane_tp[k])
                equity = lane_base[k] + lane_qty[k] * price
                peak[k], peak_bar[k], low_ratio[k], check[k], gap[k] = track_drawdown(
                    equity, t, peak[k], peak_bar[k], low_ratio[k], check[k], gap[k]
                )
        for k in range(lanes):
            out[first + k] = low_ratio[k] + gap[k] + stops[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bars", type=int, default=525_600)
    parser.add_argument("--bases", type=int, default=49)
    parser.add_argument("--lanes", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.0008, args.bars)))
    n = args.bases * args.lanes
    qty, base = rng.uniform(50.0, 100.0, n), rng.uniform(-100.0, 100.0, n)
    sl, tp = np.full(n, 1.0), np.full(n, 1e9)  # levels the walk never reaches: every bar is held
    out = np.empty(n)
    row = np.ones((1, args.bars), dtype=np.int8)
    runs: dict[str, Callable[[], object]] = {
        "floor loop": lambda: floor_kernel(close, row, np.zeros(n, dtype=np.int64), out),
        "held bar, one variant per walk": lambda: held_per_variant(close, qty, base, sl, tp, out),
        f"held bar, {args.lanes} lanes per walk": lambda: held_lanes(close, qty, base, sl, tp, out, args.lanes),
    }
    for name, run in runs.items():
        ns = best_seconds(run, args.repeats) * 1e9 / (n * args.bars)
        print(f"{name}: {ns:.3f} CPU ns per variant-bar")


if __name__ == "__main__":
    main()
