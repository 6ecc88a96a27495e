"""Batched indicator kernels vs TA-Lib called once per window (what a per-variant loop would do).

    uv run python bench/bench_indicators.py --bars 500000 --min-window 5 --max-window 200

TA-Lib is a test/bench-only dependency; product code never imports it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numba
import numpy as np
import talib

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import ma, momentum

BatchedKernel = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
CASES: list[tuple[str, BatchedKernel, Callable[..., np.ndarray]]] = [
    ("SMA", ma.sma, talib.SMA),
    ("EMA", ma.ema, talib.EMA),
    ("RSI", momentum.rsi, talib.RSI),
]


def best_ms(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000.0)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description="Batched indicator kernels vs a TA-Lib loop.")
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--min-window", type=int, default=5)
    parser.add_argument("--max-window", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(1)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, args.bars)))
    rows = np.ascontiguousarray(close[None, :])
    windows = np.arange(args.min_window, args.max_window + 1, dtype=np.int64)
    src_idx = np.zeros(windows.shape[0], dtype=np.int64)
    print(f"{args.bars:,} bars x {windows.shape[0]} windows, numba threads {numba.get_num_threads()}")
    floor = best_ms(lambda: np.full((windows.shape[0], args.bars), np.nan), args.repeats)
    print(f"floor: allocating and writing the float64 output alone takes {floor:.1f} ms")
    print(f"{'indicator':<10}{'batched ms':>12}{'talib loop ms':>15}{'talib/batched':>15}")
    for name, kernel, reference in CASES:
        kernel(rows[:, :1000], src_idx[:2], windows[:2])  # compile / load the cache outside the timing
        batched = best_ms(lambda k=kernel: k(rows, src_idx, windows), args.repeats)
        looped = best_ms(lambda f=reference: [f(close, timeperiod=int(w)) for w in windows], args.repeats)
        print(f"{name:<10}{batched:>12.1f}{looped:>15.1f}{looped / batched:>15.2f}")


if __name__ == "__main__":
    main()
