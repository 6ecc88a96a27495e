"""Holdout validation: rank on the bars before the split, score the returned rows on the bars from it.

The in-sample search is an ordinary search whose time range ends at the split, so it cannot read a
later bar. The out-of-sample scores come from the same grid planned on [split, end): its warm-up is
taken from the bars before the split, exactly as a variant report on that range does, so each row's
out-of-sample metrics equal that report's ranking metrics (tested)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import BacktestRuntimeConfig
from trading.contexts.backtest.application.dto.run_backtest import RankedVariant, RunBacktestRequest, TimeRange
from trading.contexts.backtest.application.dto.validation import HoldoutSummary, HoldoutValidation
from trading.contexts.backtest.application.services.staged_runner_v1 import (
    PreparedSearch,
    metrics_as_json,
    plan_search,
    prepare_search,
)
from trading.contexts.backtest.application.services.validation.grid_coordinates import GridCoordinates
from trading.contexts.backtest.application.services.validation.grid_points import metric_column, score_grid_points
from trading.contexts.backtest.domain.services.rank_correlation import spearman
from trading.contexts.backtest.domain.value_objects.execution import RankingMetricName
from trading.contexts.backtest.domain.value_objects.ranking_metrics import RANKING_METRICS
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.timeline import TIMEFRAMES
from trading.shared.errors import DomainError, ErrorDetail


@dataclass(frozen=True)
class HoldoutSplit:
    in_sample: RunBacktestRequest
    out_of_sample: RunBacktestRequest


def holdout_split(request: RunBacktestRequest, validation: HoldoutValidation) -> HoldoutSplit:
    """Two grid requests on [start, split) and [split, end); 422 when either side would be empty."""
    start, end = request.time_range.start, request.time_range.end
    if validation.oos_start is not None:
        split, path = validation.oos_start, "validation.oos_start"
    else:
        assert validation.oos_fraction is not None
        # An unknown timeframe is reported by the search's own planning; no flooring until then.
        step = TIMEFRAMES.get(request.timeframe, 1)
        start_ms, end_ms = request.time_range.start_ms, request.time_range.end_ms
        split_ms = int(start_ms + (1.0 - validation.oos_fraction) * (end_ms - start_ms)) // step * step
        split, path = datetime.fromtimestamp(split_ms / 1000, tz=UTC), "validation.oos_fraction"
    if not start < split < end:
        message = f"the split {split.isoformat()} must fall strictly inside the time range"
        raise DomainError(
            "validation_error", "invalid holdout split", details=[ErrorDetail(path, "out_of_bounds", message)]
        )
    return HoldoutSplit(
        in_sample=request.model_copy(update={"time_range": TimeRange(start=start, end=split), "validation": None}),
        out_of_sample=request.model_copy(update={"time_range": TimeRange(start=split, end=end), "validation": None}),
    )


def prepare_out_of_sample(split: HoldoutSplit, store: CandleStore, config: BacktestRuntimeConfig) -> PreparedSearch:
    plan = plan_search(split.out_of_sample, store, config)
    plan.raise_problems()
    return prepare_search(plan)


def score_rows(prepared: PreparedSearch, rows: list[RankedVariant]) -> np.ndarray:
    """float64[rows, metrics]: each row's variant (found by its payload's values) on the prepared range."""
    coords = GridCoordinates(prepared)
    digits = [coords.payload_digits(row.payload) for row in rows]
    if any(index is None for point in digits for index in point):
        raise RuntimeError("a ranked row is not a point of its own grid")
    base_ids, risk_idx, _ = coords.locate(np.array(digits, dtype=np.int64).reshape(len(rows), len(coords.axes)))
    return score_grid_points(prepared.core, base_ids, risk_idx)


def attach_out_of_sample(
    rows: list[RankedVariant], split: HoldoutSplit, metric: RankingMetricName, prepared: PreparedSearch
) -> HoldoutSummary:
    """Sets `oos_metrics` on every row and summarises how the in-sample ranking held."""
    oos = score_rows(prepared, rows)
    for row, values in zip(rows, oos, strict=True):
        # The same metric set as the in-sample row (which leaves out the daily ratios it did not compute).
        row.oos_metrics = metrics_as_json(values, [name for name in RANKING_METRICS if name in row.ranking_metrics])
    in_sample = np.array([np.nan if (v := row.ranking_metrics[metric]) is None else v for row in rows])
    returns = oos[:, metric_column("total_return_pct")]
    oos_range = split.out_of_sample.time_range
    return HoldoutSummary(
        metric=metric,
        in_sample_start=split.in_sample.time_range.start,
        oos_start=oos_range.start,
        oos_end=oos_range.end,
        rows=len(rows),
        profitable_oos_share=float(np.mean(returns > 0)) if rows else None,
        spearman_is_oos=spearman(in_sample, oos[:, metric_column(metric)]),
        oos_bars=prepared.plan.bars(),
    )
