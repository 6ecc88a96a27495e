"""Oracle parity with backtesting.py (test-only, AGPL) on its bundled GOOG daily data.

Configuration that makes both engines trade the same thing:
- the same precomputed long-only SMA(10)/SMA(20) signal drives both (LONG when SMA10 > SMA20);
- backtesting.py `trade_on_close=True` fills a market order at the close of the bar that placed it,
  which is our close fill; `commission` = our fee, charged on both fills; no spread, no slippage;
- `FractionalBacktest` (1e-8 share units) with `buy(size=1 - 1e-12)` is all-in sizing with
  qty = cash / (price * (1 + fee)), as ours, up to ~1e-10 relative;
- backtesting.py's `finalize_trades=True` closes at the close *before* its last bar, so the oracle's
  data get one copy of the last bar appended; its strategy never enters on our last bar.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from backtesting import Strategy
from backtesting.lib import FractionalBacktest
from backtesting.test import GOOG

from tests.unit.contexts.backtest.parity.backtesting_py_ratios import DAILY_RATIOS, daily_ratios_on_our_bars
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_variant_with_details
from trading.contexts.backtest.application.services.reporting_service_v1 import build_variant_report
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams

FEE = 0.001
INIT_CASH = 10_000.0
RELATIVE = 1e-6


def sma_cross_signal(close: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    fast = np.convolve(close, np.ones(10) / 10, mode="full")[: close.shape[0]]
    slow = np.convolve(close, np.ones(20) / 20, mode="full")[: close.shape[0]]
    fast[:9] = np.nan
    slow[:19] = np.nan
    with np.errstate(invalid="ignore"):
        signal = np.where(fast > slow, 1, np.where(fast < slow, -1, 0))
    return signal.astype(np.int8)


class PrecomputedSignalLongOnly(Strategy):
    """Our close-fill rules, long only: enter on a LONG edge, leave when the signal is not LONG."""

    signal: ClassVar[npt.NDArray[np.int8]] = np.zeros(0, dtype=np.int8)

    def init(self) -> None:
        pass

    def next(self) -> None:
        i = len(self.data) - 1
        last_bar = self.signal.shape[0] - 1
        if i > last_bar:
            return
        current = self.signal[i]
        previous = self.signal[i - 1] if i > 0 else 0
        if self.position and current != 1:
            self.position.close()
        elif not self.position and current == 1 and previous != 1 and i < last_bar:
            self.buy(size=1 - 1e-12)


@pytest.fixture(scope="module")
def parity() -> tuple[VariantScoreDetails, Any, list[dict[str, Any]]]:
    data = GOOG.copy()
    close = data["Close"].to_numpy(dtype=np.float64)
    signal = sma_cross_signal(close)
    extra = data.iloc[[-1]].copy()
    extra.index = extra.index + pd.Timedelta(days=1)
    oracle_data = pd.concat([data, extra])
    PrecomputedSignalLongOnly.signal = signal
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backtest = FractionalBacktest(
            oracle_data,
            PrecomputedSignalLongOnly,
            cash=INIT_CASH,
            commission=FEE,
            trade_on_close=True,
            finalize_trades=True,
        )
        stats = backtest.run()
    ts_ms = pd.DatetimeIndex(data.index).as_unit("ms").asi8
    details = score_variant_with_details(
        ts_ms,
        close,
        signal,
        RiskParams(),
        ExecutionParams(
            direction_mode="long_only",
            init_cash_quote=INIT_CASH,
            fee_pct=FEE * 100,
            slippage_pct=0.0,
            annualization_days=252,  # a stock market's year, backtesting.py's guess for weekday-only data
        ),
    )
    report = build_variant_report(
        details, start_ms=int(ts_ms[0]), end_ms=int(ts_ms[-1]) + 86_400_000, bar_ms=86_400_000
    )
    return details, stats, report.rows


# Report rows (ours, theirs) that both engines define the same way.
SHARED_METRICS = [
    ("Total Return [%]", "Return [%]"),
    ("Max. Drawdown [%]", "Max. Drawdown [%]"),
    ("Win Rate [%]", "Win Rate [%]"),
    ("Expectancy [%]", "Expectancy [%]"),
    ("SQN", "SQN"),
    ("Best Trade [%]", "Best Trade [%]"),
    ("Worst Trade [%]", "Worst Trade [%]"),
    ("Avg. Trade [%]", "Avg. Trade [%]"),
    ("Num. Trades", "# Trades"),
]


def their_value(stats: Any, name: str) -> float:
    """backtesting.py's number for a shared row (its drawdown is negative in some versions, positive in
    others; ours is positive)."""
    value = float(stats[name])
    return abs(value) if name == "Max. Drawdown [%]" else value


def raw(rows: list[dict[str, Any]], name: str) -> float:
    value = next(row["raw"] for row in rows if row["metric"] == name)
    assert isinstance(value, int | float)
    return float(value)


def test_trades_match_one_to_one(parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]]) -> None:
    details, stats, _ = parity
    oracle = stats["_trades"]
    trades = details.trades
    assert len(trades) == len(oracle) > 20
    np.testing.assert_array_equal(trades.entry_bar, oracle["EntryBar"].to_numpy())
    np.testing.assert_array_equal(trades.exit_bar, oracle["ExitBar"].to_numpy())
    np.testing.assert_allclose(trades.entry_price, oracle["EntryPrice"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.exit_price, oracle["ExitPrice"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.qty, oracle["Size"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.net_pnl, oracle["PnL"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.return_pct, oracle["ReturnPct"].to_numpy() * 100, rtol=RELATIVE)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    SHARED_METRICS,
)
def test_report_metric_matches_backtesting_py(
    parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]], ours: str, theirs: str
) -> None:
    _, stats, rows = parity
    assert raw(rows, ours) == pytest.approx(their_value(stats, theirs), rel=RELATIVE)


@pytest.mark.parametrize("name", DAILY_RATIOS)
def test_daily_ratio_matches_backtesting_py_on_the_same_days(
    parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]], name: str
) -> None:
    """Sharpe, Sortino and Calmar by its `compute_stats` over our bars and our equity curve: with a
    commission its curve differs on close-fill bars (it records a bar's equity before that bar's close
    fills and pays the commission, ~0.1% here), so the definitions are compared on one curve; without a
    commission its own curve gives the same ratios (`test_real_market_parity.py`)."""
    details, stats, rows = parity
    theirs = daily_ratios_on_our_bars(stats, GOOG, equity=details.equity)
    assert raw(rows, name) == pytest.approx(theirs[name], rel=1e-9)


def test_ranking_metrics_match_backtesting_py(parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]]) -> None:
    details, stats, _ = parity
    assert details.metrics.total_return_pct == pytest.approx(float(stats["Return [%]"]), rel=RELATIVE)
    assert details.metrics.max_drawdown_pct == pytest.approx(abs(float(stats["Max. Drawdown [%]"])), rel=RELATIVE)


def test_profit_factor_definitions(parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]]) -> None:
    """Ours sums net pnl (quote); backtesting.py sums per-trade returns. Each matches on the other's trades."""
    details, stats, _ = parity
    pnl = stats["_trades"]["PnL"].to_numpy()
    assert details.metrics.profit_factor == pytest.approx(pnl[pnl > 0].sum() / -pnl[pnl < 0].sum(), rel=RELATIVE)
    returns = details.trades.return_pct
    returns_based = returns[returns > 0].sum() / -returns[returns < 0].sum()
    assert returns_based == pytest.approx(float(stats["Profit Factor"]), rel=RELATIVE)
    assert not math.isclose(returns_based, details.metrics.profit_factor, rel_tol=1e-3)


def test_position_coverage_counts_the_same_bars(parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]]) -> None:
    details, stats, rows = parity
    n_bars = details.close.shape[0]
    covered_bars = raw(rows, "Position Coverage [%]") / 100 * n_bars
    oracle_bars = float(stats["Exposure Time [%]"]) / 100 * (n_bars + 1)  # the oracle has one extra bar
    assert covered_bars == pytest.approx(oracle_bars, rel=1e-9)


def test_durations_match_backtesting_py(parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]]) -> None:
    """backtesting.py rounds mean durations up to its bar period (one day here)."""
    _, stats, rows = parity
    day_ms = 86_400_000

    def ms(value: Any) -> float:
        return pd.Timedelta(value).total_seconds() * 1000

    assert raw(rows, "Max. Drawdown Duration") == ms(stats["Max. Drawdown Duration"])
    assert raw(rows, "Max. Trade Duration") == ms(stats["Max. Trade Duration"])
    assert math.ceil(raw(rows, "Avg. Trade Duration") / day_ms) * day_ms == ms(stats["Avg. Trade Duration"])
