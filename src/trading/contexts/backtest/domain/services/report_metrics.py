"""The full metrics table of one variant (details path). Every row that is also a ranking metric is
the engine's own number (`details.metrics`), so ranking and report cannot disagree; the remaining rows
(times, money, drawdown and trade durations, gross exposure) are computed here from the trades and the
equity curve with the same rules (docs/architecture/backtest/backtest-ranking-metrics-v1.md). The
daily ratios annualise with the market's `annualization_days` (365 crypto, 252 stocks / FX)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails

MetricKind = Literal["time", "duration", "money", "percent", "count", "ratio"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ReportMetric:
    """`value` is ms since the epoch for times, ms for durations; NaN means 'not defined'."""

    name: str
    value: float
    kind: MetricKind


@dataclass(frozen=True)
class DrawdownPeriods:
    """One row per drawdown: `peak_bar` is the last bar at the running peak before it, `end_bar` the
    first bar back at the peak (or the last bar if equity never got back), `depth_pct` its deepest point."""

    peak_bar: IntArray
    end_bar: IntArray
    depth_pct: FloatArray


def drawdown_periods(equity: FloatArray) -> DrawdownPeriods:
    """A drawdown is a maximal run of bars below the running peak, a dip on the last bar included."""
    drawdown = 1.0 - equity / np.maximum.accumulate(equity)
    below = np.r_[False, drawdown > 0.0, False]
    edges = np.flatnonzero(np.diff(below.astype(np.int8)))
    run_starts, run_ends = edges[0::2], edges[1::2]  # run = bars [start, end)
    depths = np.array([drawdown[start:end].max() for start, end in zip(run_starts, run_ends, strict=True)])
    return DrawdownPeriods(
        peak_bar=(run_starts - 1).astype(np.int64),
        end_bar=np.minimum(run_ends, equity.shape[0] - 1).astype(np.int64),
        depth_pct=depths.astype(np.float64) * 100.0,
    )


def held_position_notional(details: VariantScoreDetails) -> FloatArray:
    """|qty x close| of the position held during each bar: from the entry bar to the exit bar, both
    included (the Position Coverage rule); on a bar that closes one trade and opens the next, the new one."""
    trades = details.trades
    notional = np.zeros(details.close.shape[0], dtype=np.float64)
    for entry, exit_, qty in zip(trades.entry_bar, trades.exit_bar, trades.qty, strict=True):
        notional[entry : exit_ + 1] = qty * details.close[entry : exit_ + 1]
    return notional


def _mean_or(values: FloatArray, empty: float) -> float:
    return float(values.mean()) if values.shape[0] else empty


def _max_or(values: FloatArray, empty: float) -> float:
    return float(values.max()) if values.shape[0] else empty


def compute_report_metrics(details: VariantScoreDetails, start_ms: int, end_ms: int) -> list[ReportMetric]:
    """All rows of the report table, in display order. `start_ms` / `end_ms` are the request's
    half-open time range."""
    trades = details.trades
    equity = details.equity
    ts_ms = details.ts_ms
    metrics = details.metrics
    init_cash = float(details.execution.init_cash_quote)
    trade_durations = (ts_ms[trades.exit_bar] - ts_ms[trades.entry_bar]).astype(np.float64)
    periods = drawdown_periods(equity)
    drawdown_durations = (ts_ms[periods.end_bar] - ts_ms[periods.peak_bar]).astype(np.float64)
    no_trade_value = float("nan")
    return [
        ReportMetric("Start", float(start_ms), "time"),
        ReportMetric("End", float(end_ms), "time"),
        ReportMetric("Duration", float(end_ms - start_ms), "duration"),
        ReportMetric("Init. Cash", init_cash, "money"),
        ReportMetric("Total Profit", float(equity[-1]) - init_cash, "money"),
        ReportMetric("Total Return [%]", metrics.total_return_pct, "percent"),
        ReportMetric("Benchmark Return [%]", float(details.close[-1] / details.close[0] - 1.0) * 100.0, "percent"),
        ReportMetric("Position Coverage [%]", metrics.position_coverage_pct, "percent"),
        ReportMetric("Max. Drawdown [%]", metrics.max_drawdown_pct, "percent"),
        # No drawdown at all is a drawdown of 0, like Max. Drawdown, not 'undefined'.
        ReportMetric("Avg. Drawdown [%]", _mean_or(periods.depth_pct, 0.0), "percent"),
        ReportMetric("Max. Drawdown Duration", _max_or(drawdown_durations, 0.0), "duration"),
        ReportMetric("Avg. Drawdown Duration", _mean_or(drawdown_durations, 0.0), "duration"),
        ReportMetric("Num. Trades", metrics.num_trades, "count"),
        ReportMetric("Win Rate [%]", metrics.win_rate_pct, "percent"),
        ReportMetric("Best Trade [%]", metrics.best_trade_pct, "percent"),
        ReportMetric("Worst Trade [%]", metrics.worst_trade_pct, "percent"),
        ReportMetric("Avg. Trade [%]", metrics.avg_trade_pct, "percent"),
        ReportMetric("Max. Trade Duration", _max_or(trade_durations, no_trade_value), "duration"),
        ReportMetric("Avg. Trade Duration", _mean_or(trade_durations, no_trade_value), "duration"),
        ReportMetric("Expectancy [%]", metrics.expectancy_pct, "percent"),
        ReportMetric("SQN", metrics.sqn, "ratio"),
        ReportMetric("Gross Exposure", float(np.mean(held_position_notional(details) / equity)), "ratio"),
        ReportMetric("Sharpe Ratio", metrics.sharpe_ratio, "ratio"),
        ReportMetric("Sortino Ratio", metrics.sortino_ratio, "ratio"),
        ReportMetric("Calmar Ratio", metrics.calmar_ratio, "ratio"),
        # Which year the three ratios above annualise with: the market's, 365 or 252 days.
        ReportMetric("Annualisation [days]", details.execution.annualization_days, "count"),
    ]
