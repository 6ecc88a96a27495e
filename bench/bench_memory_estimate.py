"""The memory guard's estimate against the measured peak, over a table of request shapes.

Each shape runs in its own process: imports and numba compilation happen first (a one-variant warm-up
of the same indicators), then the peak RSS is reset (`/proc/self/clear_refs` 5) and the search runs;
the measured figure is the peak RSS growth over the warmed process, which is what the estimate
models (the interpreter and libraries are there before any request).

    uv run python bench/bench_memory_estimate.py            # every shape, ~1-2 min on 2 cores
    uv run python bench/bench_memory_estimate.py --only sma_5m_half

Exit status 1 when a shape's estimate is outside +-30% of its measured peak.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
MINUTES = 183 * 24 * 60  # half a year of 1m candles
TOLERANCE = 0.30
INSTRUMENT = "1:BTCUSDT"


def _range(start: float, stop: float, step: float) -> dict[str, Any]:
    return {"mode": "range", "start": start, "stop_incl": stop, "step": step}


def _request(timeframe: str, days: int, indicators: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return {
        "instrument_id": INSTRUMENT,
        "timeframe": timeframe,
        "time_range": {"start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat()},
        "indicators": indicators,
        **extra,
    }


SMA = {"indicator_id": "ma.sma", "params": {"window": _range(5, 200, 1)}}
EMA_WIDE = {"indicator_id": "ma.ema", "params": {"window": _range(2, 401, 1)}}
RSI = {
    "indicator_id": "momentum.rsi",
    "params": {"window": _range(5, 30, 5)},
    "signals": {"long_threshold": _range(20, 35, 5), "short_threshold": _range(65, 80, 5)},
}
SL_TP = {"sl_pct": _range(0.5, 5.0, 0.5), "tp_pct": _range(1.0, 10.0, 1.0)}
BIG_RISK = {"sl_pct": _range(0.1, 10.0, 0.1), "tp_pct": _range(0.5, 25.0, 0.5)}

SHAPES: dict[str, dict[str, Any]] = {
    "sma_5m_half": _request("5m", 180, [SMA], risk=SL_TP),
    "ema400_1m_quarter": _request("1m", 90, [EMA_WIDE]),
    "sma_rsi_15m_half": _request("15m", 180, [SMA, RSI], risk=SL_TP, preselect=2000),
    "sma_rsi_1m_quarter": _request("1m", 90, [SMA, RSI], preselect=500),
    "rsi_big_risk_5m_half": _request("5m", 180, [RSI], risk=BIG_RISK, preselect=200),
}


def _warm_up(body: dict[str, Any], ctx: BacktestContext) -> None:
    """Imports and numba compilation of every kernel the shape uses, on a one-day one-variant request."""
    first = {**body, "time_range": {"start": "2024-01-01T00:00:00Z", "end": "2024-01-03T00:00:00Z"}}
    first["indicators"] = [{"indicator_id": ind["indicator_id"]} for ind in body["indicators"]]
    first["risk"] = {"sl_pct": {"mode": "explicit", "values": [2.0]}}
    first.pop("preselect", None)
    run_backtest(RunBacktestRequest.model_validate(first), ctx)


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure_child(name: str, data_dir: str) -> dict[str, Any]:
    ctx = BacktestContext(data_dir, default_backtest_config())
    body = SHAPES[name]
    _warm_up(body, ctx)
    request = RunBacktestRequest.model_validate(body)
    plan = plan_search(request, ctx.store(), ctx.config)
    estimate, breakdown = plan.memory_bytes, plan.memory_breakdown
    del plan
    Path("/proc/self/clear_refs").write_text("5")
    baseline = status_kib("VmRSS")
    response = run_backtest(request, ctx)
    growth = (status_kib("VmHWM") - baseline) * 1024
    return {
        "shape": name,
        "stage_a": response.stage_a_variants_total,
        "stage_b": response.stage_b_variants_total,
        "bars": response.bars["total"],
        "estimate": estimate,
        "measured": growth,
        "breakdown": breakdown,
    }


def _write_candles(data_dir: Path) -> None:
    write_synthetic_candles(CandleStore(data_dir), load_markets(), INSTRUMENT, START_MS, MINUTES, seed=11)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(SHAPES))
    parser.add_argument("--child", nargs=2, metavar=("SHAPE", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_child(*args.child)))
        return 0
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        _write_candles(Path(tmp))
        print(f"{'shape':24} {'stage A':>8} {'stage B':>9} {'bars':>8} {'estimate MB':>12} {'peak MB':>8} {'ratio':>6}")
        for name in [args.only] if args.only else list(SHAPES):
            command = [sys.executable, "-m", "bench.bench_memory_estimate", "--child", name, tmp]
            row = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            ratio = row["estimate"] / row["measured"]
            failed |= not 1 - TOLERANCE <= ratio <= 1 + TOLERANCE
            print(
                f"{name:24} {row['stage_a']:>8,} {row['stage_b']:>9,} {row['bars']:>8,} "
                f"{row['estimate'] / 2**20:>12.1f} {row['measured'] / 2**20:>8.1f} {ratio:>6.2f}"
            )
            print("    " + ", ".join(f"{k} {v / 2**20:.1f}" for k, v in row["breakdown"].items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
