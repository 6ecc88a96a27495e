"""Slow, obviously-right ranking metrics from a variant's recorded trades and equity curve (numpy, two
passes), to check the engine's running sums against. Equal up to rounding, not bit for bit."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np

from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.services.drawdown_ratio import return_over_drawdown
from trading.contexts.backtest.domain.services.report_metrics import drawdown_periods

DAY_MS = 86_400_000


def reference_metrics(details: VariantScoreDetails) -> dict[str, float]:
    trades = details.trades
    equity = details.equity
    n = len(trades)
    returns = trades.return_pct
    pnl = trades.net_pnl
    max_dd = float((1.0 - (equity / np.maximum.accumulate(equity)).min()) * 100.0)
    held = np.zeros(equity.shape[0], dtype=bool)
    for entry, exit_ in zip(trades.entry_bar, trades.exit_bar, strict=True):
        held[entry : exit_ + 1] = True
    days = details.ts_ms // DAY_MS
    day_equity = equity[np.r_[days[1:] != days[:-1], True]]
    daily = day_equity[1:] / day_equity[:-1] - 1.0
    periods = drawdown_periods(equity)
    result = {
        "num_trades": float(n),
        "position_coverage_pct": float(held.mean() * 100.0),
        "max_drawdown_duration_bars": float((periods.end_bar - periods.peak_bar).max(initial=0)),
        "win_rate_pct": float((pnl > 0).mean() * 100.0) if n else math.nan,
        "expectancy_pct": float(returns.mean()) if n else math.nan,
        "best_trade_pct": float(returns.max()) if n else math.nan,
        "worst_trade_pct": float(returns.min()) if n else math.nan,
        "avg_trade_pct": math.nan,
        "sqn": math.nan,
        "sharpe_ratio": math.nan,
        "sortino_ratio": math.nan,
        "calmar_ratio": math.nan,
    }
    growth = 1.0 + returns / 100.0
    if n and np.all(growth > 0.0):
        result["avg_trade_pct"] = float((np.exp(np.log(growth).mean()) - 1.0) * 100.0)
    if n >= 2:
        result["sqn"] = math.sqrt(n) * return_over_drawdown(float(pnl.mean()), float(pnl.std(ddof=1)))
    if daily.shape[0] >= 2 and day_equity.min() > 0:
        # backtesting.py's compounded definitions, written out plainly.
        year = details.execution.annualization_days
        growth = math.exp(float(np.log1p(daily).mean()))  # 1 + geometric mean daily return
        annual = growth**year - 1.0
        volatility = compounded_volatility(float(daily.var(ddof=1)), growth, year)
        downside = math.sqrt(float(np.mean(np.minimum(daily, 0.0) ** 2))) * math.sqrt(year)
        result["sharpe_ratio"] = return_over_drawdown(annual, volatility)
        result["sortino_ratio"] = return_over_drawdown(annual, downside)
        result["calmar_ratio"] = return_over_drawdown(annual, max_dd / 100.0)
    return result


def compounded_volatility(variance: float, growth: float, year: int) -> float:
    """backtesting.py's annual volatility sqrt((var + g^2)^D - g^(2D)), literally, in 80 significant
    digits: in floats the difference of two nearly equal powers keeps only a few correct digits when
    the daily variance is small next to g^2 (few days, 365-day years), the engine's form does not."""
    with localcontext() as context:
        context.prec = 80
        g, v = Decimal(growth), Decimal(variance)
        spread = (v + g * g) ** year - g ** (2 * year)
        return float(max(spread, Decimal(0)).sqrt())
