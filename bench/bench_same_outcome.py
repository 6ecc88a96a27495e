"""What collapsing same outcomes costs: W1 (bench/compare_vectorbt.py: SMA 5..200 x 40 SL/TP, long-only,
top 300, full grid) with `collapse_same_outcome` on and off, alternately in one process, and the same
search with stops that never trigger (every outcome then has 40 members: the most keys to compute).

    uv run python -m bench.bench_same_outcome [--bars 50000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile

from bench.compare_vectorbt import SEED, START_MS, WINDOWS, _request
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles

NEVER_SL = [50.0, 60.0, 70.0, 80.0, 90.0]
NEVER_TP = [5000.0, 6000.0, 7000.0, 8000.0, 9000.0, 9500.0, 9800.0, 9900.0]


def _search(n_bars: int, collapse: bool, never_triggering: bool) -> RunBacktestRequest:
    body = _request(n_bars, len(WINDOWS))
    body["ranking"] = {"collapse_same_outcome": collapse}
    if never_triggering:
        body["risk"] = {
            "sl_pct": {"mode": "explicit", "values": NEVER_SL},
            "tp_pct": {"mode": "explicit", "values": NEVER_TP},
        }
    return RunBacktestRequest.model_validate(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bars", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench_same_outcome_")
    write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, args.bars, SEED)
    ctx = BacktestContext(data_dir, default_backtest_config())
    for collapse in (False, True):
        run_backtest(_search(2_000, collapse, False), ctx)  # compile / load the kernels first
    results: dict[str, dict[str, float | int]] = {}
    for workload, never in (("W1", False), ("W1_stops_never_trigger", True)):
        seconds: dict[bool, list[float]] = {False: [], True: []}
        rows: dict[bool, tuple[int, int]] = {}
        stage_b_variants = 0
        for _ in range(args.repeats):
            for collapse in (False, True):  # alternate, so machine load hits both alike
                response = run_backtest(_search(args.bars, collapse, never), ctx)
                seconds[collapse].append(response.timings["stage_b_seconds"])
                members = sum(v.same_outcome.count for v in response.variants if v.same_outcome)
                rows[collapse] = (len(response.variants), members)
                stage_b_variants = response.stage_b_variants_total
        off, on = statistics.median(seconds[False]), statistics.median(seconds[True])
        results[workload] = {
            "bars": args.bars,
            "stage_b_variants": stage_b_variants,
            "stage_b_seconds_collapse_off": round(off, 3),
            "stage_b_seconds_collapse_on": round(on, 3),
            "overhead_pct": round(100 * (on / off - 1), 1),
            "rows_off": rows[False][0],
            "rows_on": rows[True][0],
            "variants_in_returned_outcomes": rows[True][1],
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
