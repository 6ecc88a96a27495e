"""Milliseconds to synthesize, store and load a 500k-bar 1m history as a 1m and a 1h timeline.

Each step runs REPEATS times and the best time is printed (the machine is shared; best-of is stable).

Run: `uv run python -m bench.bench_timeline` (or `uv run python bench/bench_timeline.py`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from typing import TypeVar

from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.load_timeline import load_timeline
from trading.contexts.market_data.domain.ohlcv import COLUMNS, MINUTE_MS
from trading.contexts.market_data.domain.synthetic import synthesize_1m

START_MS = 1_704_067_200_000  # 2024-01-01T00:00Z
N_BARS = 500_000
WARMUP_BARS = 200
INSTRUMENT = "1:BTCUSDT"
REPEATS = 3

T = TypeVar("T")


def timed(label: str, action: Callable[[], T]) -> T:
    timings = []
    for _ in range(REPEATS - 1):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    began = time.perf_counter()
    result = action()
    best = min([*timings, time.perf_counter() - began])
    print(f"{label:<32} {best * 1000:8.1f} ms (best of {REPEATS})")
    return result


def main() -> None:
    markets = load_markets()
    end_ms = START_MS + N_BARS * MINUTE_MS
    with tempfile.TemporaryDirectory() as data_dir:
        store = CandleStore(data_dir)
        bars = timed(f"synthesize {N_BARS} 1m bars", lambda: synthesize_1m(START_MS, N_BARS, seed=42))
        timed("write 12 month files (upsert)", lambda: store.write_1m(INSTRUMENT, *(bars[c] for c in COLUMNS)))
        for timeframe in ("1m", "1h"):
            timeline = timed(
                f"load_timeline {timeframe}",
                lambda tf=timeframe: load_timeline(
                    store, INSTRUMENT, tf, START_MS + 86_400_000, end_ms, WARMUP_BARS, markets=markets
                ),
            )
            print(f"  -> {timeline.n_bars} bars, target_start={timeline.target_start}")


if __name__ == "__main__":
    main()
