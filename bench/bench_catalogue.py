"""Compute time of every registered indicator's DEFAULT grid (configs/<TRADING_ENV>/indicators.yaml):
indicator tensor + signal rows, on synthetic bars, best of `--repeats`.

    TRADING_ENV=dev uv run python bench/bench_catalogue.py --bars 500000 [--doc docs/...md]

Prints a Markdown table; with `--doc` it also replaces the block between the BENCH_START/BENCH_END
markers of that file.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from trading.contexts.backtest.application.services.signals_from_indicators_v1 import signals_for_tensor
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.contexts.indicators.domain.price_sources import OhlcvArrays

BENCH_START = "<!-- bench_catalogue:start -->"
BENCH_END = "<!-- bench_catalogue:end -->"


@dataclass(frozen=True)
class Timing:
    indicator_id: str
    variants: int
    signal_rows: int
    ms: float


def synthetic_bars(n: int, seed: int = 3) -> OhlcvArrays:
    """Geometric random walk with consistent OHLC and lognormal volume."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.004, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.004, n)))
    return OhlcvArrays.of(open_, high, low, close, np.floor(rng.lognormal(8.0, 1.0, n)))


def run_once(bars: OhlcvArrays, grid: IndicatorGrid) -> int:
    tensor = compute_indicator(bars, grid)
    return int(signals_for_tensor(tensor, bars).rows.shape[0])


def time_grid(bars: OhlcvArrays, grid: IndicatorGrid, repeats: int) -> Timing:
    run_once(OhlcvArrays.of(*(np.ascontiguousarray(a[:2000]) for a in _fields(bars))), grid)  # compile/load
    best = float("inf")
    rows = 0
    for _ in range(repeats):
        start = time.perf_counter()
        rows = run_once(bars, grid)
        best = min(best, (time.perf_counter() - start) * 1000.0)
    return Timing(grid.indicator_id, grid.n_variants, rows, best)


def _fields(bars: OhlcvArrays) -> tuple[np.ndarray, ...]:
    return (bars.open, bars.high, bars.low, bars.close, bars.volume)


def markdown(timings: list[Timing], n_bars: int) -> str:
    header = (
        f"{n_bars:,} bars, env `{os.environ.get('TRADING_ENV', 'dev')}` default grids, "
        f"{numba.get_num_threads()} numba threads, {platform.processor() or platform.machine()}; "
        "best of the repeats, indicator tensor + signal rows.\n\n"
        "| indicator | variants | signal rows | ms |\n|---|---:|---:|---:|"
    )
    lines = [f"| {t.indicator_id} | {t.variants} | {t.signal_rows} | {t.ms:.1f} |" for t in timings]
    total = f"| **total** | {sum(t.variants for t in timings)} | {sum(t.signal_rows for t in timings)} | "
    total += f"{sum(t.ms for t in timings):.1f} |"
    return "\n".join([header, *lines, total])


def write_block(doc: Path, table: str) -> None:
    text = doc.read_text()
    pattern = re.compile(re.escape(BENCH_START) + ".*?" + re.escape(BENCH_END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{doc} has no {BENCH_START} ... {BENCH_END} block")
    doc.write_text(pattern.sub(lambda _: f"{BENCH_START}\n{table}\n{BENCH_END}", text))


def main() -> None:
    parser = argparse.ArgumentParser(description="Default-grid compute time of every registered indicator.")
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--doc", type=Path, default=None)
    args = parser.parse_args()

    registry = default_registry()
    defaults = load_indicator_defaults(registry)
    bars = synthetic_bars(args.bars)
    timings = []
    for indicator_id in registry.ids():
        (grid,) = build_indicator_grids([{"indicator_id": indicator_id}], registry, defaults)
        timings.append(time_grid(bars, grid, args.repeats))
        print(f"{indicator_id}: {timings[-1].ms:.1f} ms", flush=True)
    table = markdown(timings, args.bars)
    print(table)
    if args.doc is not None:
        write_block(args.doc, table)


if __name__ == "__main__":
    main()
