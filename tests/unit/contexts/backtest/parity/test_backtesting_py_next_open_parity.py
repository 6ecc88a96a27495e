"""Oracle parity of `fill: next_open` with backtesting.py's default execution (`trade_on_close=False`:
a market order placed at a bar's close fills at the next bar's open), fractional all-in sizing and a
commission on both fills, on its bundled GOOG (daily) and EURUSD (hourly) data, long-only and
long-short (reversals included).

The strategy below places backtesting.py orders by our rules from a precomputed fast/slow SMA signal:
enter on an edge, leave when the signal is not the position's side, reverse on an opposite edge.
Conventions aligned for the comparison (backtesting.py's own, not ours):
- `FractionalBacktest` with `size=1 - 1e-12` is all-in sizing, qty = cash / (price * (1 + fee)), up
  to ~1e-12 relative;
- backtesting.py's `finalize_trades=True` closes an open trade at its last bar's open here, so the
  oracle's data get one extra bar flat at our last close, and the strategy places no order on our last
  bar (a decision there has no next open: we close at that close, realism.md section 1); the oracle
  books that final exit on the extra bar's index.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from backtesting import Strategy
from backtesting.lib import FractionalBacktest
from backtesting.test import EURUSD, GOOG

from tests.unit.contexts.backtest.parity.backtesting_py_ratios import DAILY_RATIOS, daily_ratios_on_our_bars
from tests.unit.contexts.backtest.parity.sma_cross import cross_signal
from tests.unit.contexts.backtest.reporting.test_backtesting_py_oracle import SHARED_METRICS, raw, their_value
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_variant_with_details
from trading.contexts.backtest.application.services.reporting_service_v1 import build_variant_report
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.execution import DirectionModeName, ExecutionParams, RiskParams

INIT_CASH = 10_000.0
FEE = 0.002
RELATIVE = 1e-9


class PrecomputedSignal(Strategy):
    """Our decision rules; backtesting.py fills each order at the next bar's open."""

    signal: ClassVar[npt.NDArray[np.int8]] = np.zeros(0, dtype=np.int8)
    long_short: ClassVar[bool] = False

    def init(self) -> None:
        pass

    def next(self) -> None:
        i = len(self.data) - 1
        last_bar = self.signal.shape[0] - 1
        if i >= last_bar:
            return
        current = int(self.signal[i])
        previous = int(self.signal[i - 1]) if i > 0 else 0
        side = 0 if not self.position else (1 if self.position.is_long else -1)
        if side and current != side:
            self.position.close()
            side = 0
        allowed = current == 1 or (current == -1 and self.long_short)
        if not side and current != previous and allowed:
            (self.buy if current == 1 else self.sell)(size=1 - 1e-12)


def run_both(
    data: pd.DataFrame, fast: int, slow: int, direction: DirectionModeName, bar_ms: int
) -> tuple[VariantScoreDetails, Any, list[dict[str, Any]]]:
    close = data["Close"].to_numpy(dtype=np.float64)
    signal = cross_signal(close, fast, slow)
    extra = data.iloc[[-1]].copy()
    extra.index = extra.index + pd.Timedelta(milliseconds=bar_ms)
    extra[["Open", "High", "Low"]] = close[-1]
    PrecomputedSignal.signal = signal
    PrecomputedSignal.long_short = direction == "long_short"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = FractionalBacktest(
            pd.concat([data, extra]),
            PrecomputedSignal,
            cash=INIT_CASH,
            commission=FEE,
            trade_on_close=False,
            finalize_trades=True,
        ).run()
    ts_ms = pd.DatetimeIndex(data.index).as_unit("ms").asi8
    execution = ExecutionParams(
        direction_mode=direction,
        init_cash_quote=INIT_CASH,
        fee_pct=FEE * 100,
        slippage_pct=0.0,
        fill="next_open",
        annualization_days=252,  # the stock and FX markets' year, backtesting.py's guess for both data sets
    )
    bar_range = tuple(data[name].to_numpy(dtype=np.float64) for name in ("Open", "High", "Low"))
    details = score_variant_with_details(ts_ms, close, signal, RiskParams(), execution, bar_range)  # type: ignore[arg-type]
    report = build_variant_report(details, start_ms=int(ts_ms[0]), end_ms=int(ts_ms[-1]) + bar_ms, bar_ms=bar_ms)
    return details, stats, report.rows


CASES = [
    ("goog", GOOG, 10, 20, "long_only", 86_400_000),
    ("goog", GOOG, 10, 20, "long_short", 86_400_000),
    ("goog", GOOG, 5, 50, "long_short", 86_400_000),
    ("eurusd", EURUSD, 10, 30, "long_only", 3_600_000),
    ("eurusd", EURUSD, 20, 100, "long_short", 3_600_000),
]


@pytest.fixture(scope="module", params=CASES, ids=[f"{c[0]}-{c[2]}-{c[3]}-{c[4]}" for c in CASES])
def parity(request: pytest.FixtureRequest) -> tuple[VariantScoreDetails, Any, list[dict[str, Any]]]:
    _, data, fast, slow, direction, bar_ms = request.param
    return run_both(data.copy(), fast, slow, direction, bar_ms)


def test_trades_match_one_to_one(parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]]) -> None:
    details, stats, _ = parity
    oracle = stats["_trades"]
    trades = details.trades
    assert len(trades) == len(oracle) > 10
    np.testing.assert_array_equal(trades.entry_bar, oracle["EntryBar"].to_numpy())
    # The oracle books its final close on the appended copy bar, at our last close.
    np.testing.assert_array_equal(trades.exit_bar, np.minimum(oracle["ExitBar"].to_numpy(), details.close.shape[0] - 1))
    np.testing.assert_array_equal(trades.side, np.sign(oracle["Size"].to_numpy()))
    np.testing.assert_allclose(trades.entry_price, oracle["EntryPrice"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.exit_price, oracle["ExitPrice"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.side * trades.qty, oracle["Size"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.net_pnl, oracle["PnL"].to_numpy(), rtol=RELATIVE)
    np.testing.assert_allclose(trades.return_pct, oracle["ReturnPct"].to_numpy() * 100, rtol=RELATIVE)


def test_entries_fill_at_the_open_after_the_decision(
    parity: tuple[VariantScoreDetails, Any, list[dict[str, Any]]],
) -> None:
    details, _, _ = parity
    trades = details.trades
    np.testing.assert_array_equal(trades.entry_bar, trades.entry_signal_bar + 1)


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
    """Sharpe, Sortino and Calmar over our bars (its frame has one more bar), hourly EURUSD included:
    both resample to UTC day ends, where a Saturday without bars is no day."""
    details, stats, rows = parity
    bars = pd.DataFrame({"Close": details.close}, index=pd.to_datetime(details.ts_ms, unit="ms"))
    assert raw(rows, name) == pytest.approx(daily_ratios_on_our_bars(stats, bars)[name], rel=RELATIVE)
