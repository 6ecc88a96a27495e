"""`/api/health` is never held up by planning: measured over real HTTP against `trading serve` (its own
process, the real app, real preflights) while another process sends bursts of 45 preflights.

The bound is a ratio, not a time, so a loaded CI machine slows both sides alike: health's p99 must
stay under a quarter of the time one burst of 45 takes. In the planning lane a health call waits for
at most a lane's worth of requests (measured 0.07-0.09 of a burst at load average 11; 0.16-0.22 with
all 45 requests let in at once, their body reading, validation and dependency solving on the event
loop in one turn); a health call queued behind the planning itself would take most of a burst. The
margin is for other processes stalling the server on a shared machine (the first version, bounded
at a fifth of a burst, failed one run in ~20 here).
bench/bench_guards.py measures the absolute latencies (recorded in the reliability guards doc).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.integration.api.serve_process import serve_process
from tests.unit.apps.api.api_support import REPO_ROOT, write_candles

WAVES = 6
AT_REST_CALLS = 100
PROBE_PAUSE_SECONDS = 0.005


def _health_seconds(http: httpx.Client) -> float:
    started = time.perf_counter()
    assert http.get("/api/health").status_code == 200
    return time.perf_counter() - started


def _p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


def test_health_p99_stays_a_small_part_of_a_burst_of_45_preflights(tmp_path: Path) -> None:
    write_candles(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("TRADING_DATABASE_URL", "TRADING_CONFIG_DIR")}
    env |= {"TRADING_ENV": "test", "TRADING_DATA_DIR": str(tmp_path)}
    with serve_process(env, tmp_path / "serve.log") as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        at_rest = []
        for _ in range(AT_REST_CALLS):
            at_rest.append(_health_seconds(http))
            time.sleep(PROBE_PAUSE_SECONDS)
        command = [sys.executable, "-m", "tests.integration.api.preflight_burst", base_url, str(WAVES)]
        burst = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
        assert burst.stdout is not None and burst.stdout.readline().strip() == "ready"
        under_load = []
        while burst.poll() is None:
            under_load.append(_health_seconds(http))
            time.sleep(PROBE_PAUSE_SECONDS)
        wave_seconds = float(burst.stdout.read().strip()) / WAVES
    assert burst.returncode == 0  # every preflight answered 200
    assert len(under_load) >= 50
    p99 = _p99(under_load)
    assert p99 < wave_seconds / 4, (
        f"health p99 {p99 * 1000:.1f} ms during bursts of 45 preflights ({wave_seconds * 1000:.0f} ms each); "
        f"at rest p50 {statistics.median(at_rest) * 1000:.1f} ms, p99 {_p99(at_rest) * 1000:.1f} ms"
    )
