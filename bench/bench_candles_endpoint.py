"""Milliseconds for `GET /api/candles` on a year of 1m bars at a 2,000-point budget (goal: < 300 ms).

Measured through the real app in process (routing, store read, bucketing, JSON), best of REPEATS after
one warm-up call. The machine is shared, so best-of is the stable number.

Run: `uv run python -m bench.bench_candles_endpoint`.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from apps.api.app import create_app
from apps.api.settings import settings_from_env
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.ohlcv import COLUMNS
from trading.contexts.market_data.domain.synthetic import synthesize_1m

START_MS = 1_704_067_200_000  # 2024-01-01T00:00Z
YEAR_OF_MINUTES = 366 * 24 * 60
INSTRUMENT = "1:BTCUSDT"
REPEATS = 5
QUERY = {
    "instrument_id": INSTRUMENT,
    "timeframe": "1m",
    "start": "2024-01-01T00:00:00Z",
    "end": "2025-01-01T00:00:00Z",
    "max_points": 2_000,
}


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        bars = synthesize_1m(START_MS, YEAR_OF_MINUTES, seed=42)
        CandleStore(data_dir).write_1m(INSTRUMENT, *(bars[c] for c in COLUMNS))
        os.environ["TRADING_DATA_DIR"] = data_dir
        os.environ["TRADING_DATABASE_URL"] = f"sqlite:///{Path(data_dir) / 'jobs.sqlite'}"
        with TestClient(create_app(settings_from_env())) as client:
            client.get("/api/candles", params=QUERY).raise_for_status()
            timings = []
            body: dict = {}
            for _ in range(REPEATS):
                began = time.perf_counter()
                response = client.get("/api/candles", params=QUERY)
                timings.append(time.perf_counter() - began)
                body = response.json()
    print(
        f"GET /api/candles 1m x {YEAR_OF_MINUTES:,} bars -> {len(body['candles']['ts_ms'])} candles "
        f"({body['bars_per_candle']} bars each): best {min(timings) * 1000:.1f} ms, "
        f"median {sorted(timings)[REPEATS // 2] * 1000:.1f} ms (of {REPEATS})"
    )


if __name__ == "__main__":
    main()
