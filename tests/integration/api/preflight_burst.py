"""Bursts of 45 concurrent preflights against a running server, from a process of its own so that its
45 client threads do not share a GIL with the process that measures the server meanwhile.

    python -m tests.integration.api.preflight_burst BASE_URL WAVES

Prints `ready` once warmed up (one preflight answered), then sends WAVES bursts one after another and
prints the seconds they took; exits non-zero if any preflight was not a 200.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.unit.apps.api.api_support import grid_request

PREFLIGHTS = 45
RISK_VALUES = 10_000  # every request carries a real body to read, validate and check for duplicates


def burst_body() -> dict[str, Any]:
    window = {"mode": "range", "start": 2, "stop_incl": 500, "step": 1}
    sl_pct = {"mode": "explicit", "values": [round(0.001 * i, 3) for i in range(1, RISK_VALUES + 1)]}
    return grid_request(indicators=[{"indicator_id": "ma.sma", "params": {"window": window}}], risk={"sl_pct": sl_pct})


def main(base_url: str, waves: int) -> int:
    body = burst_body()
    limits = httpx.Limits(max_connections=PREFLIGHTS)
    with httpx.Client(base_url=base_url, timeout=120, limits=limits) as client, ThreadPoolExecutor(PREFLIGHTS) as pool:
        client.post("/api/backtests/preflight", json=body).raise_for_status()
        print("ready", flush=True)
        started = time.perf_counter()
        statuses: set[int] = set()
        for _ in range(waves):
            pending = [pool.submit(client.post, "/api/backtests/preflight", json=body) for _ in range(PREFLIGHTS)]
            statuses |= {future.result().status_code for future in pending}
        print(f"{time.perf_counter() - started:.6f}", flush=True)
    return 0 if statuses == {200} else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
