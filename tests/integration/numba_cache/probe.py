"""Run in a subprocess against a copy of the package: a small search, then the variant report of each
of its top variants; prints the ranking and report `total_return_pct` pairs and the cache directory."""

from __future__ import annotations

import json
import os
import sys

import trading
from tests.integration.jobs.support import job_config, request_json
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest, VariantReportRequest
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    build_variant_report,
    run_backtest,
)


def main(data_dir: str) -> None:
    ctx = BacktestContext(data_dir, job_config())
    request = RunBacktestRequest.model_validate(request_json(top_k=3, sma_stop=12))
    context = {
        "instrument_id": request.instrument_id,
        "timeframe": request.timeframe,
        "time_range": request.time_range.model_dump(),
        "warmup_bars": request.warmup_bars,
    }
    pairs = []
    for variant in run_backtest(request, ctx).variants:
        report = build_variant_report(
            VariantReportRequest.model_validate({"run_context": context, "variant": variant.payload.model_dump()}),
            ctx,
        )
        pairs.append([variant.ranking_metrics["total_return_pct"], report.ranking_metrics["total_return_pct"]])
    print(json.dumps({"package": trading.__file__, "cache_dir": os.environ["NUMBA_CACHE_DIR"], "pairs": pairs}))


if __name__ == "__main__":
    main(sys.argv[1])
