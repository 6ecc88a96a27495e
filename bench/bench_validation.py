"""What validation costs next to the search it validates, as ratios measured in one run (the machine is
shared, so absolute times move; ratios of runs made side by side much less):

- stability + heatmap: W1 (bench/compare_vectorbt.py: SMA 5..200 x 5 SL x 8 TP, full grid) with the top
  100 rows' neighbourhood stability (`timings.stability_seconds`) and one SL x TP heatmap of rank 1,
  over the same search without them (target < 10%);
- walk-forward: a 5-fold rolling walk-forward over the sum of 5 plain searches on the folds' train
  windows (target ~1: a fold is one search plus one report on its test window).

    uv run python -m bench.bench_validation                  # 500,000 1m bars (~2 min here)
    uv run python -m bench.bench_validation --bars 100000    # a quick look
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from typing import Any

from bench.compare_vectorbt import SEED, START_MS, WINDOWS, _request
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.application.dto.heatmap import HeatmapRequest
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.validation.heatmap import build_heatmap
from trading.contexts.backtest.application.services.validation.walk_forward import fold_windows
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.backtest.application.use_cases.run_walk_forward import run_walk_forward
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

FOLDS = 5


def w1(bars: int, top_k: int) -> RunBacktestRequest:
    return RunBacktestRequest.model_validate(_request(bars, len(WINDOWS)) | {"top_k": top_k})


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def stability_and_heatmap(ctx: BacktestContext, bars: int, repeats: int) -> dict[str, Any]:
    """Best of `repeats`: the search's own time (total minus stability), stability and the heatmap."""
    request = w1(bars, 100)
    runs, cells = [], 0
    for _ in range(repeats):
        seconds, response = timed(lambda: run_backtest(request, ctx))
        stability = response.timings["stability_seconds"]
        best = response.variants[0]
        heatmap_request = HeatmapRequest(
            run_context=request.run_context(), variant=best.payload, indicators=request.indicators, risk=request.risk
        )
        heatmap_seconds, heatmap = timed(lambda h=heatmap_request: build_heatmap(h, ctx))
        runs.append({"search": seconds - stability, "stability": stability, "heatmap": heatmap_seconds})
        cells = heatmap.cells
    best_run = min(runs, key=lambda run: run["search"])
    return {
        "rows": 100,
        "heatmap_cells": cells,
        "search_seconds": round(best_run["search"], 3),
        "stability_seconds": round(min(run["stability"] for run in runs), 3),
        "heatmap_seconds": round(min(run["heatmap"] for run in runs), 3),
        "added_ratio": round(
            (min(run["stability"] for run in runs) + min(run["heatmap"] for run in runs)) / best_run["search"], 4
        ),
    }


def walk_forward_cost(ctx: BacktestContext, bars: int, repeats: int) -> dict[str, Any]:
    """Train 40% and test 12% of the bars per fold (5 folds fill the range); every plain search is run
    on the same train window as its fold. Best of `repeats`, the order alternating (plain first, then
    walk-forward first) so a load change on the shared machine hits both sides alike."""
    validation = {"mode": "walk_forward", "folds": FOLDS, "train": 0.4, "test": 0.12}
    request = RunBacktestRequest.model_validate(_request(bars, len(WINDOWS)) | {"top_k": 10, "validation": validation})
    windows = fold_windows(request, request.validation)  # type: ignore[arg-type]
    plain = [request.model_copy(update={"time_range": window.train, "validation": None}) for window in windows]

    def five_searches() -> float:
        return sum(timed(lambda r=r: run_backtest(r, ctx))[0] for r in plain)

    def walk_forward() -> float:
        return timed(lambda: run_walk_forward(request, ctx))[0]

    plain_runs, wf_runs = [], []
    for repeat in range(repeats):
        if repeat % 2 == 0:
            plain_runs.append(five_searches())
            wf_runs.append(walk_forward())
        else:
            wf_runs.append(walk_forward())
            plain_runs.append(five_searches())
    return {
        "folds": FOLDS,
        "train_bars": int(0.4 * bars),
        "test_bars": int(0.12 * bars),
        "walk_forward_seconds": round(min(wf_runs), 3),
        "five_searches_seconds": round(min(plain_runs), 3),
        "ratio": round(min(wf_runs) / min(plain_runs), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bars", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench_validation_")
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, args.bars, SEED)
    ctx = BacktestContext(data_dir, default_backtest_config())
    run_backtest(w1(2_000, 100), ctx)  # numba compile / cache load
    result = {
        "bars": args.bars,
        "stability_and_heatmap": stability_and_heatmap(ctx, args.bars, args.repeats),
        "walk_forward": walk_forward_cost(ctx, args.bars, args.repeats),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
