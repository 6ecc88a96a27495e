"""The ranking metrics: every number of the report a quant ranks or filters by, with its stable id,
label, direction and unit. The tuple order is the column order of every metric array the kernels
fill, so the first four (today's ranking metrics) keep their columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

RankingMetricName = Literal[
    "total_return_pct",
    "max_drawdown_pct",
    "return_over_max_drawdown",
    "profit_factor",
    "num_trades",
    "win_rate_pct",
    "avg_trade_pct",
    "expectancy_pct",
    "best_trade_pct",
    "worst_trade_pct",
    "sqn",
    "sharpe_ratio",
    "sortino_ratio",
    "calmar_ratio",
    "position_coverage_pct",
    "max_drawdown_duration_bars",
]
MetricUnit = Literal["percent", "ratio", "count", "bars"]


@dataclass(frozen=True)
class RankingMetricInfo:
    """`label` is the report row that prints the same number; `descending` is True where larger is better."""

    name: RankingMetricName
    label: str
    descending: bool
    unit: MetricUnit


METRIC_CATALOG: tuple[RankingMetricInfo, ...] = (
    RankingMetricInfo("total_return_pct", "Total Return [%]", True, "percent"),
    RankingMetricInfo("max_drawdown_pct", "Max. Drawdown [%]", False, "percent"),
    RankingMetricInfo("return_over_max_drawdown", "Return / Max. Drawdown", True, "ratio"),
    RankingMetricInfo("profit_factor", "Profit Factor", True, "ratio"),
    RankingMetricInfo("num_trades", "Num. Trades", True, "count"),
    RankingMetricInfo("win_rate_pct", "Win Rate [%]", True, "percent"),
    RankingMetricInfo("avg_trade_pct", "Avg. Trade [%]", True, "percent"),
    RankingMetricInfo("expectancy_pct", "Expectancy [%]", True, "percent"),
    RankingMetricInfo("best_trade_pct", "Best Trade [%]", True, "percent"),
    RankingMetricInfo("worst_trade_pct", "Worst Trade [%]", True, "percent"),
    RankingMetricInfo("sqn", "SQN", True, "ratio"),
    RankingMetricInfo("sharpe_ratio", "Sharpe Ratio", True, "ratio"),
    RankingMetricInfo("sortino_ratio", "Sortino Ratio", True, "ratio"),
    RankingMetricInfo("calmar_ratio", "Calmar Ratio", True, "ratio"),
    RankingMetricInfo("position_coverage_pct", "Position Coverage [%]", True, "percent"),
    RankingMetricInfo("max_drawdown_duration_bars", "Max. Drawdown Duration [bars]", False, "bars"),
)

# Column order of every metric array the kernels fill.
RANKING_METRICS: tuple[RankingMetricName, ...] = tuple(info.name for info in METRIC_CATALOG)
# True where larger is better.
METRIC_DESCENDING: dict[str, bool] = {info.name: info.descending for info in METRIC_CATALOG}
METRIC_COLUMN: dict[str, int] = {name: column for column, name in enumerate(RANKING_METRICS)}
# Metrics of the daily-equity resample: the only ones with per-day work in the loop over bars, so a
# search computes them only when it ranks or filters by one (see `score_block_metric`).
DAILY_RATIO_METRICS: frozenset[str] = frozenset({"sharpe_ratio", "sortino_ratio", "calmar_ratio"})

assert get_args(RankingMetricName) == RANKING_METRICS, "catalogue and Literal must list the same ids in order"


@dataclass(frozen=True)
class RankingMetrics:
    """One variant's ranking metrics, as the engine computed them (NaN = not defined)."""

    total_return_pct: float
    max_drawdown_pct: float
    return_over_max_drawdown: float
    profit_factor: float
    num_trades: float
    win_rate_pct: float
    avg_trade_pct: float
    expectancy_pct: float
    best_trade_pct: float
    worst_trade_pct: float
    sqn: float
    sharpe_ratio: float
    sortino_ratio: float
    calmar_ratio: float
    position_coverage_pct: float
    max_drawdown_duration_bars: float

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in RANKING_METRICS}
