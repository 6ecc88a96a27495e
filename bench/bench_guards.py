"""What refusing costs, over real HTTP on loopback against the real app (synthetic candles): time and
peak RSS growth of the inputs that once gave 500s or ran out of memory, the linear duplicate check,
and `/api/health` latency at rest and during bursts of 45 real preflights. The server is its own
process (`uvicorn --factory apps.api.app:create_app`), so the client's threads do not share its GIL.

    uv run python bench/bench_guards.py     # ~30 s
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.integration.api.preflight_burst import PREFLIGHTS
from tests.unit.apps.api.api_support import grid_request, write_candles

BURSTS = 10
RISK_10K = [round(0.001 * i, 3) for i in range(1, 10_001)]


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


@contextmanager
def _server(data_dir: Path) -> Iterator[tuple[str, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"TRADING_ENV": "test", "TRADING_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "uvicorn", "--factory", "apps.api.app:create_app", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base_url}/api/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base_url, process.pid
    finally:
        process.terminate()
        process.wait(10)


def _sma_range(**axis: Any) -> dict[str, Any]:
    window = {"mode": "range", "start": 5, "stop_incl": 10, "step": 1} | axis
    return grid_request(indicators=[{"indicator_id": "ma.sma", "params": {"window": window}}])


def _risk_range(**axis: Any) -> dict[str, Any]:
    return grid_request(risk={"sl_pct": {"mode": "range", "start": 1.0, "stop_incl": 2.0, "step": 0.5} | axis})


def _inputs() -> dict[str, str]:
    huge_axis = {"mode": "range", "start": 0.001, "stop_incl": 99.9, "step": 0.001}
    explicit_10k = {"mode": "explicit", "values": RISK_10K}
    return {
        "risk range start NaN": json.dumps(_risk_range(start="@")).replace('"@"', "NaN"),
        "risk range stop Infinity": json.dumps(_risk_range(stop_incl="@")).replace('"@"', "Infinity"),
        "risk range start -Infinity": json.dumps(_risk_range(start="@")).replace('"@"', "-Infinity"),
        "risk range step 1e-300": json.dumps(_risk_range(step=1e-300)),
        "indicator range stop 1e300": json.dumps(_sma_range(stop_incl=1e300)),
        "indicator range start -1e300": json.dumps(_sma_range(start=-1e300)),
        "risk 99,900 x 99,900 range (74.5 GiB)": json.dumps(grid_request(risk={"sl_pct": huge_axis, "tp_pct": huge_axis})),  # noqa: E501
        "risk 10,000 x 10,000 explicit": json.dumps(grid_request(risk={"sl_pct": explicit_10k, "tp_pct": explicit_10k})),  # noqa: E501
    }  # fmt: skip


def _refusals(client: httpx.Client, pid: int) -> None:
    """Best of 3 per input; the server's peak RSS is reset before each input (clear_refs 5)."""
    print(f"{'input (POST /api/backtests)':42} {'status':>6} {'ms':>7} {'peak RSS +MB':>13}")
    inputs = {"schema refusal (top_k: true), the floor": json.dumps(grid_request(top_k=True)), **_inputs()}
    for name, text in inputs.items():
        headers = {"content-type": "application/json"}
        status = client.post("/api/backtests", content=text, headers=headers).status_code  # warms the path
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        before = _peak_rss_kib(pid)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            client.post("/api/backtests", content=text, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        growth = (_peak_rss_kib(pid) - before) / 1024
        print(f"{name:42} {status:>6} {min(timings):>7.1f} {growth:>13.1f}")


def _duplicates(client: httpx.Client) -> None:
    for n in (10_000, 100_000):
        values = [float(v) for v in range(n - 1)] + [0.0]
        body = grid_request(risk={"sl_pct": {"mode": "explicit", "values": [v / n * 50 + 0.001 for v in values]}})
        started = time.perf_counter()
        status = client.post("/api/backtests/preflight", json=body).status_code
        ms = (time.perf_counter() - started) * 1000
        print(f"explicit axis of {n:,} values with one duplicate: {status} in {ms:.0f} ms")


def _health_latencies(client: httpx.Client, keep_going: Callable[[int], bool]) -> list[float]:
    latencies: list[float] = []
    while keep_going(len(latencies)):
        started = time.perf_counter()
        client.get("/api/health")
        latencies.append(time.perf_counter() - started)
        time.sleep(0.005)
    return latencies


def _summary(latencies: list[float]) -> str:
    p50, p99 = statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=100)[98] * 1000
    return f"{len(latencies)} calls, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies) * 1000:.1f} ms"


def _health_under_preflights(base_url: str, client: httpx.Client) -> None:
    """The bursts come from a process of its own (tests/integration/api/preflight_burst.py), so its
    45 client threads do not share a GIL with the health calls being timed."""
    print(f"health at rest: {_summary(_health_latencies(client, lambda calls: calls < 200))}")
    command = [sys.executable, "-m", "tests.integration.api.preflight_burst", base_url, str(BURSTS)]
    burst = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert burst.stdout is not None and burst.stdout.readline().strip() == "ready"
    latencies = _health_latencies(client, lambda _: burst.poll() is None)
    burst_ms = float(burst.stdout.read()) / BURSTS * 1000
    print(
        f"health during {BURSTS} bursts of {PREFLIGHTS} real preflights ({burst_ms:.0f} ms each, "
        f"exit {burst.returncode}): {_summary(latencies)}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        write_candles(data_dir)
        with _server(data_dir) as (base_url, pid), httpx.Client(base_url=base_url, timeout=120) as client:
            _refusals(client, pid)
            _duplicates(client)
            _health_under_preflights(base_url, client)


if __name__ == "__main__":
    main()
