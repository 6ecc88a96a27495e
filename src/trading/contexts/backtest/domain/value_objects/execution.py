"""Execution settings, risk settings and the four ranking metrics: the vocabulary shared by the
scorer, the staged runner, the API and the jobs store."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

DirectionModeName = Literal["long_only", "short_only", "long_short"]
SizingModeName = Literal["all_in", "fixed_quote", "strategy_compound_profit_lock"]
StopModeName = Literal["close", "intrabar"]
FillModeName = Literal["close", "next_open"]
RankingMetricName = Literal["total_return_pct", "max_drawdown_pct", "return_over_max_drawdown", "profit_factor"]


class DirectionMode(IntEnum):
    LONG_ONLY = 0
    SHORT_ONLY = 1
    LONG_SHORT = 2


class SizingMode(IntEnum):
    ALL_IN = 0
    FIXED_QUOTE = 1
    STRATEGY_COMPOUND_PROFIT_LOCK = 2


DIRECTION_CODES: dict[str, DirectionMode] = {
    "long_only": DirectionMode.LONG_ONLY,
    "short_only": DirectionMode.SHORT_ONLY,
    "long_short": DirectionMode.LONG_SHORT,
}
SIZING_CODES: dict[str, SizingMode] = {
    "all_in": SizingMode.ALL_IN,
    "fixed_quote": SizingMode.FIXED_QUOTE,
    "strategy_compound_profit_lock": SizingMode.STRATEGY_COMPOUND_PROFIT_LOCK,
}

# Column order of every metric array the kernels fill.
RANKING_METRICS: tuple[RankingMetricName, ...] = (
    "total_return_pct",
    "max_drawdown_pct",
    "return_over_max_drawdown",
    "profit_factor",
)
# True where larger is better.
METRIC_DESCENDING: dict[str, bool] = {
    "total_return_pct": True,
    "max_drawdown_pct": False,
    "return_over_max_drawdown": True,
    "profit_factor": True,
}


@dataclass(frozen=True)
class ExecutionParams:
    """Percent inputs are human percents: 0.075 means 0.075%. `stop_mode` / `fill` default to today's
    close-only behaviour (engine.md section 4); realism.md section 1 defines the other modes."""

    direction_mode: DirectionModeName = "long_short"
    sizing_mode: SizingModeName = "all_in"
    init_cash_quote: float = 10_000.0
    fixed_quote: float = 1_000.0
    safe_profit_percent: float = 30.0
    fee_pct: float = 0.075
    slippage_pct: float = 0.0
    stop_mode: StopModeName = "close"
    fill: FillModeName = "close"
    # Days per year Sharpe / Sortino / Calmar annualise with: the instrument's market decides
    # (markets.yaml `annualization_days`, set by plan_search from the timeline); not part of any key.
    annualization_days: int = 365

    @property
    def needs_bar_range(self) -> bool:
        """Intrabar stops and next-open fills read open/high/low besides close."""
        return self.stop_mode != "close" or self.fill != "close"


@dataclass(frozen=True)
class RiskParams:
    """`None` disables the stop."""

    sl_pct: float | None = None
    tp_pct: float | None = None

    def as_floats(self) -> tuple[float, float]:
        """NaN stands for 'disabled' inside kernels."""
        return (
            math.nan if self.sl_pct is None else float(self.sl_pct),
            math.nan if self.tp_pct is None else float(self.tp_pct),
        )


@dataclass(frozen=True)
class RankingMetrics:
    total_return_pct: float
    max_drawdown_pct: float
    return_over_max_drawdown: float
    profit_factor: float

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in RANKING_METRICS}
