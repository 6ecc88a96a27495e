"""Same workload on our staged search and on vectorbt, each in its own process (own peak RSS).

Workload (issue [3/6]): seeded synthetic 1m bars, long-only price-vs-SMA rule (enter when close
crosses above SMA, leave when it is no longer above), SMA windows 5..200, SL {0.5,1,1.5,2,3}% x
TP {1,2,3,4,5,6,8,10}% checked on close, fee 0.075%, slippage 0.01%, top 300 by total return.
Ours runs the full grid (preselect >= Stage A count) and the staged default. vectorbt scores the
same variants (signals + Portfolio.from_signals + total return / max drawdown / profit factor) one SMA
window at a time to stay inside memory; by default on a subset of windows (``--vbt-windows``), since
its throughput per variant does not depend on which windows it gets.

    uv run --group bench python bench/compare_vectorbt.py [--bars 500000] [--vbt-windows 12]
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

START_MS = 1_704_067_200_000
WINDOWS = list(range(5, 201))
SL = [0.5, 1.0, 1.5, 2.0, 3.0]
TP = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
FEE_PCT = 0.075
SLIPPAGE_PCT = 0.01
TOP = 300
SEED = 11


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _request(n_bars: int, preselect: int | None) -> dict:
    end_ms = START_MS + n_bars * 60_000
    return {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "1m",
        "time_range": {"start": START_MS / 1000, "end": end_ms / 1000},
        "warmup_bars": 0,
        "indicators": [
            {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 5, "stop_incl": 200, "step": 1}}}
        ],
        "risk": {"sl_pct": {"mode": "explicit", "values": SL}, "tp_pct": {"mode": "explicit", "values": TP}},
        "execution": {"direction_mode": "long_only", "fee_pct": FEE_PCT, "slippage_pct": SLIPPAGE_PCT},
        "top_k": TOP,
        "preselect": preselect,
    }


def run_ours(n_bars: int) -> dict:
    from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
    from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
    from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
    from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
    from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
    from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

    data_dir = tempfile.mkdtemp(prefix="bench_ours_")
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, n_bars, SEED)
    ctx = BacktestContext(data_dir, default_backtest_config())
    warm = RunBacktestRequest.model_validate(_request(2_000, len(WINDOWS)))
    run_backtest(warm, ctx)  # numba compile / cache load, as vectorbt gets its warm-up
    results = {}
    for label, preselect in (("full_grid", len(WINDOWS)), ("staged_default", None), ("staged_preselect_20", 20)):
        started = time.perf_counter()
        response = run_backtest(RunBacktestRequest.model_validate(_request(n_bars, preselect)), ctx)
        seconds = time.perf_counter() - started
        results[label] = {
            "seconds": seconds,
            "variants": response.stage_b_variants_total,
            "stage_a": response.stage_a_variants_total,
            "variants_per_s": response.stage_b_variants_total / seconds,
            "ns_per_variant_bar": seconds * 1e9 / (response.stage_b_variants_total * response.bars["target"]),
            "timings": response.timings,
            "best_total_return_pct": response.variants[0].total_return_pct,
        }
    return {"system": "ours", "bars": n_bars, "runs": results, "peak_rss_mb": _peak_rss_mb()}


def run_vectorbt(n_bars: int, n_windows: int) -> dict:
    import pandas as pd
    vbt: Any = importlib.import_module("vectorbt")  # optional `bench` group; its API is dynamic

    from trading.contexts.market_data.domain.synthetic import synthesize_1m

    bars = synthesize_1m(START_MS, n_bars, SEED)
    close = pd.Series(bars["close"], index=pd.to_datetime(bars["ts"], unit="ms"))
    sl = np.repeat(np.array(SL) / 100, len(TP))
    tp = np.tile(np.array(TP) / 100, len(SL))
    picked = WINDOWS[:: max(1, len(WINDOWS) // n_windows)][:n_windows]

    def one_window(window: int) -> pd.Series:
        above = close > vbt.MA.run(close, window=window).ma
        entries = above & ~above.shift(1, fill_value=False)
        exits = ~above
        columns = pd.MultiIndex.from_arrays([sl, tp], names=["sl", "tp"])
        pf = vbt.Portfolio.from_signals(
            close,
            pd.DataFrame(np.repeat(entries.to_numpy()[:, None], len(sl), axis=1), index=close.index, columns=columns),
            pd.DataFrame(np.repeat(exits.to_numpy()[:, None], len(sl), axis=1), index=close.index, columns=columns),
            sl_stop=sl,
            tp_stop=tp,
            fees=FEE_PCT / 100,
            slippage=SLIPPAGE_PCT / 100,
            init_cash=10_000.0,
            freq="1min",
        )
        pf.max_drawdown()
        pf.trades.profit_factor()
        return pf.total_return() * 100

    one_window(picked[0])  # warm-up (numba compile)
    started = time.perf_counter()
    returns = pd.concat([one_window(w) for w in picked])
    seconds = time.perf_counter() - started
    variants = len(picked) * len(sl)
    top = np.sort(returns.to_numpy())[::-1][:TOP]
    return {
        "system": "vectorbt",
        "version": vbt.__version__,
        "bars": n_bars,
        "windows_scored": len(picked),
        "seconds": seconds,
        "variants": variants,
        "variants_per_s": variants / seconds,
        "ns_per_variant_bar": seconds * 1e9 / (variants * n_bars),
        "best_total_return_pct": float(top[0]),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--vbt-windows", type=int, default=12)
    parser.add_argument("--child", choices=["ours", "vectorbt"])
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args()
    if args.child == "ours":
        print(json.dumps(run_ours(args.bars)))
        return
    if args.child == "vectorbt":
        print(json.dumps(run_vectorbt(args.bars, args.vbt_windows)))
        return
    ours = _child(["--child", "ours", "--bars", str(args.bars)])
    vbt_result = _child(["--child", "vectorbt", "--bars", str(args.bars), "--vbt-windows", str(args.vbt_windows)])
    print(f"bars: {args.bars:,}   variants in the full grid: {len(WINDOWS) * len(SL) * len(TP):,}")
    for label, run in ours["runs"].items():
        ratio = run["variants_per_s"] / vbt_result["variants_per_s"]
        print(
            f"ours {label:<20} {run['seconds']:8.2f} s  {run['variants']:6,} variants  "
            f"{run['variants_per_s']:10,.0f} variants/s  {run['ns_per_variant_bar']:6.2f} ns/variant-bar  "
            f"x{ratio:,.1f} vs vectorbt"
        )
    print(
        f"vectorbt {vbt_result['version']:<16} {vbt_result['seconds']:8.2f} s  {vbt_result['variants']:6,} variants  "
        f"{vbt_result['variants_per_s']:10,.0f} variants/s  {vbt_result['ns_per_variant_bar']:6.2f} ns/variant-bar  "
        f"({vbt_result['windows_scored']} windows)"
    )
    print(f"peak RSS: ours {ours['peak_rss_mb']:,.0f} MB, vectorbt {vbt_result['peak_rss_mb']:,.0f} MB")
    if args.out:
        args.out.write_text(json.dumps({"ours": ours, "vectorbt": vbt_result}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
