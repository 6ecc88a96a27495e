"""The full metrics table of one variant, computed from its trades and equity curve (details path).
Definitions follow backtesting.py where it has the metric, except the daily-return ratios, which
annualise with the market's `annualization_days` (365 crypto, 252 stocks / FX; see
docs/architecture/backtest/backtest-reporting-metrics-table-v1.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.services.drawdown_ratio import return_over_drawdown

MetricKind = Literal["time", "duration", "money", "percent", "count", "ratio"]
DAY_MS = 86_400_000

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ReportMetric:
    """`value` is ms since the epoch for times, ms for durations; NaN means 'not defined'."""

    name: str
    value: float
    kind: MetricKind


@dataclass(frozen=True)
class DrawdownStats:
    average_pct: float
    max_duration_ms: float
    average_duration_ms: float


@dataclass(frozen=True)
class DailyRatios:
    sharpe: float
    sortino: float
    calmar: float


def drawdown_stats(ts_ms: npt.NDArray[np.int64], equity: FloatArray) -> DrawdownStats:
    """A drawdown period runs from a bar at its running peak to the next bar back at a peak (or to the
    last bar); its depth is the largest drawdown inside it."""
    drawdown = 1.0 - equity / np.maximum.accumulate(equity)
    at_peak = np.unique(np.r_[np.flatnonzero(drawdown == 0.0), drawdown.shape[0] - 1])
    starts, ends = at_peak[:-1], at_peak[1:]
    in_drawdown = ends > starts + 1
    starts, ends = starts[in_drawdown], ends[in_drawdown]
    if starts.shape[0] == 0:
        return DrawdownStats(math.nan, math.nan, math.nan)
    depths = np.array([drawdown[start : end + 1].max() for start, end in zip(starts, ends, strict=True)])
    durations = (ts_ms[ends] - ts_ms[starts]).astype(np.float64)
    return DrawdownStats(
        average_pct=float(depths.mean() * 100.0),
        max_duration_ms=float(durations.max()),
        average_duration_ms=float(durations.mean()),
    )


def daily_returns(ts_ms: npt.NDArray[np.int64], equity: FloatArray) -> FloatArray:
    """Returns between the last equities of consecutive UTC days that have bars."""
    days = ts_ms // DAY_MS
    last_of_day = np.r_[days[1:] != days[:-1], True]
    day_equity = equity[last_of_day]
    return day_equity[1:] / day_equity[:-1] - 1.0


def geometric_mean_return(returns: FloatArray) -> float:
    """NaN when there is nothing to average or a return wipes out the whole amount."""
    growth = 1.0 + returns
    if growth.shape[0] == 0 or np.any(growth <= 0.0):
        return math.nan
    return float(np.exp(np.log(growth).mean()) - 1.0)


def daily_ratios(day_returns: FloatArray, max_drawdown_pct: float, days_per_year: int) -> DailyRatios:
    """Risk-free rate 0, annualised with `days_per_year`."""
    if day_returns.shape[0] < 2:
        return DailyRatios(math.nan, math.nan, math.nan)
    mean = float(day_returns.mean())
    std = float(day_returns.std(ddof=1))
    downside = math.sqrt(float(np.mean(np.minimum(day_returns, 0.0) ** 2)))
    annual_factor = math.sqrt(days_per_year)
    sharpe = mean / std * annual_factor if std > 0.0 else math.nan
    sortino = mean / downside * annual_factor if downside > 0.0 else return_over_drawdown(mean, 0.0)
    annual_return = (1.0 + geometric_mean_return(day_returns)) ** days_per_year - 1.0
    return DailyRatios(sharpe, sortino, return_over_drawdown(annual_return, max_drawdown_pct / 100.0))


def position_bars(
    n_bars: int, entry_bar: npt.NDArray[np.int64], exit_bar: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Bars from each entry to its exit, both included (the backtesting.py exposure convention)."""
    delta = np.zeros(n_bars + 1, dtype=np.int64)
    np.add.at(delta, entry_bar, 1)
    np.add.at(delta, exit_bar + 1, -1)
    return np.cumsum(delta[:-1]) > 0


def gross_exposure(details: VariantScoreDetails) -> float:
    """Mean over bars of |position notional at close| / equity; a bar's position is the one held after
    its close (an exit bar holds nothing unless a new trade opened on it)."""
    trades = details.trades
    notional = np.zeros(details.close.shape[0], dtype=np.float64)
    for entry, exit_, qty in zip(trades.entry_bar, trades.exit_bar, trades.qty, strict=True):
        notional[entry:exit_] = qty * details.close[entry:exit_]
    return float(np.mean(notional / details.equity))


def sqn(net_pnl: FloatArray) -> float:
    """System quality number: sqrt(N) * mean / sample std of trade pnl."""
    if net_pnl.shape[0] < 2:
        return math.nan
    std = float(net_pnl.std(ddof=1))
    return math.sqrt(net_pnl.shape[0]) * float(net_pnl.mean()) / std if std > 0.0 else math.nan


def _stat(values: FloatArray, reduce: str) -> float:
    return float(getattr(values, reduce)()) if values.shape[0] else math.nan


def compute_report_metrics(details: VariantScoreDetails, start_ms: int, end_ms: int) -> list[ReportMetric]:
    """All rows of the report table, in display order. `start_ms` / `end_ms` are the request's
    half-open time range."""
    trades = details.trades
    equity = details.equity
    init_cash = float(details.execution.init_cash_quote)
    returns = trades.return_pct
    durations = (details.ts_ms[trades.exit_bar] - details.ts_ms[trades.entry_bar]).astype(np.float64)
    max_drawdown_pct = details.metrics.max_drawdown_pct
    drawdowns = drawdown_stats(details.ts_ms, equity)
    days_per_year = details.execution.annualization_days
    ratios = daily_ratios(daily_returns(details.ts_ms, equity), max_drawdown_pct, days_per_year)
    coverage = position_bars(equity.shape[0], trades.entry_bar, trades.exit_bar)
    n_trades = len(trades)
    return [
        ReportMetric("Start", float(start_ms), "time"),
        ReportMetric("End", float(end_ms), "time"),
        ReportMetric("Duration", float(end_ms - start_ms), "duration"),
        ReportMetric("Init. Cash", init_cash, "money"),
        ReportMetric("Total Profit", float(equity[-1]) - init_cash, "money"),
        ReportMetric("Total Return [%]", details.metrics.total_return_pct, "percent"),
        ReportMetric("Benchmark Return [%]", float(details.close[-1] / details.close[0] - 1.0) * 100.0, "percent"),
        ReportMetric("Position Coverage [%]", float(coverage.mean()) * 100.0, "percent"),
        ReportMetric("Max. Drawdown [%]", max_drawdown_pct, "percent"),
        ReportMetric("Avg. Drawdown [%]", drawdowns.average_pct, "percent"),
        ReportMetric("Max. Drawdown Duration", drawdowns.max_duration_ms, "duration"),
        ReportMetric("Avg. Drawdown Duration", drawdowns.average_duration_ms, "duration"),
        ReportMetric("Num. Trades", float(n_trades), "count"),
        ReportMetric("Win Rate [%]", _stat((trades.net_pnl > 0.0).astype(np.float64), "mean") * 100.0, "percent"),
        ReportMetric("Best Trade [%]", _stat(returns, "max"), "percent"),
        ReportMetric("Worst Trade [%]", _stat(returns, "min"), "percent"),
        ReportMetric("Avg. Trade [%]", geometric_mean_return(returns / 100.0) * 100.0, "percent"),
        ReportMetric("Max. Trade Duration", _stat(durations, "max"), "duration"),
        ReportMetric("Avg. Trade Duration", _stat(durations, "mean"), "duration"),
        ReportMetric("Expectancy [%]", _stat(returns, "mean"), "percent"),
        ReportMetric("SQN", sqn(trades.net_pnl), "ratio"),
        ReportMetric("Gross Exposure", gross_exposure(details), "ratio"),
        ReportMetric("Sharpe Ratio", ratios.sharpe, "ratio"),
        ReportMetric("Sortino Ratio", ratios.sortino, "ratio"),
        ReportMetric("Calmar Ratio", ratios.calmar, "ratio"),
    ]
