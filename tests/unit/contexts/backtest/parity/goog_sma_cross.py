"""Issue 14's acceptance search and its oracle: a fast/slow SMA crossover grid (fast 5..50, slow
20..200, fast < slow) over backtesting.py's bundled GOOG daily bars (test-only, AGPL), whose rank-1
report must equal backtesting.py's `SmaCross` with the rank-1 windows on the same data and settings.

Settings both engines share: 10,000 cash, 0.2% commission on every fill, no slippage, all-in sizing,
long and short (a crossing closes the position and opens the other side), decisions at the close
filled at the next bar's open (`fill: next_open` = backtesting.py's `trade_on_close=False`). The
oracle strategy is backtesting.py's SmaCross example with the alignments its other parity tests use:
`FractionalBacktest` with `size=1 - 1e-12` (all-in with fractional shares, as ours), no order on our
last bar (a decision there has no next open), and one copy of the last bar appended so its
`finalize_trades` closes at our last close.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
from backtesting import Strategy
from backtesting.lib import FractionalBacktest, crossover
from backtesting.test import GOOG, SMA
from typer.testing import CliRunner

from apps.cli.candles import app as candles_app
from tests.unit.contexts.backtest.parity.backtesting_py_ratios import daily_ratios_on_our_bars
from tests.unit.contexts.backtest.reporting.test_backtesting_py_oracle import SHARED_METRICS, their_value

INSTRUMENT = "4:GOOG"
INIT_CASH = 10_000.0
COMMISSION = 0.002
ALL_IN = 1 - 1e-12
RELATIVE = 1e-9
FAST_WINDOWS = (5, 50)
SLOW_WINDOWS = (20, 200)
KEPT_PAIRS = sum(1 for f in range(5, 51) for s in range(20, 201) if f < s)  # 7,830
ALL_PAIRS = 46 * 181  # 8,326


def import_goog(data_dir: Path) -> None:
    """GOOG as pandas writes it, imported by the real `trading candles import` (NASDAQ sessions market)."""
    path = data_dir.parent / "GOOG.csv"
    GOOG.to_csv(path)
    result = CliRunner().invoke(
        candles_app, ["import", str(path), "-i", INSTRUMENT], env={"TRADING_DATA_DIR": str(data_dir)}
    )
    assert result.exit_code == 0, result.output


def search_body(top_k: int = 3) -> dict[str, Any]:
    """The acceptance search as an API / request-file body."""
    last = GOOG.index[-1] + pd.Timedelta(days=1)
    return {
        "instrument_id": INSTRUMENT,
        "timeframe": "1d",
        "time_range": {"start": GOOG.index[0].isoformat() + "Z", "end": last.isoformat() + "Z"},
        "warmup_bars": 0,
        "indicators": [
            {"indicator_id": "ma.sma", "alias": "fast", "params": {"window": _range(*FAST_WINDOWS)}},
            {"indicator_id": "ma.sma", "alias": "slow", "params": {"window": _range(*SLOW_WINDOWS)}},
        ],
        "rules": [{"type": "cross", "first": "fast", "second": "slow"}],
        "param_constraints": [{"left": "fast.window", "op": "<", "right": "slow.window"}],
        "risk": {"sl_pct": {"mode": "explicit", "values": [None]}, "tp_pct": {"mode": "explicit", "values": [None]}},
        "execution": {
            "direction_mode": "long_short",
            "sizing_mode": "all_in",
            "init_cash_quote": INIT_CASH,
            "fee_pct": COMMISSION * 100,
            "slippage_pct": 0.0,
            "fill": "next_open",
        },
        "top_k": top_k,
    }


def _range(start: int, stop: int) -> dict[str, Any]:
    return {"mode": "range", "start": start, "stop_incl": stop, "step": 1}


class SmaCross(Strategy):
    """backtesting.py's SmaCross: buy when SMA(n1) crosses above SMA(n2), sell when it crosses below."""

    n1 = 10
    n2 = 20
    last_bar = 0

    def init(self) -> None:
        self.sma1: Any = self.I(SMA, self.data.Close, self.n1)  # arrays backtesting.lib.crossover reads
        self.sma2: Any = self.I(SMA, self.data.Close, self.n2)

    def next(self) -> None:
        if len(self.data) - 1 >= self.last_bar:
            return
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy(size=ALL_IN)
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell(size=ALL_IN)


def sma_cross_oracle(fast: int, slow: int) -> Any:
    """backtesting.py's stats of SmaCross(fast, slow) on GOOG with the shared settings."""
    extra = GOOG.iloc[[-1]].copy()
    extra.index = extra.index + pd.Timedelta(days=1)
    extra[["Open", "High", "Low"]] = float(GOOG["Close"].iloc[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backtest = FractionalBacktest(
            pd.concat([GOOG, extra]),
            SmaCross,
            cash=INIT_CASH,
            commission=COMMISSION,
            trade_on_close=False,
            finalize_trades=True,
        )
        return backtest.run(n1=fast, n2=slow, last_bar=len(GOOG) - 1)


def rank_one_windows(payload: dict[str, Any]) -> tuple[int, int]:
    windows = {selection["alias"]: selection["params"]["window"] for selection in payload["indicator_selections"]}
    return int(windows["fast"]), int(windows["slow"])


def report_mismatches(rows: list[dict[str, Any]], stats: Any) -> list[str]:
    """The shared report metrics where ours differs from backtesting.py's by more than 1e-9 relative;
    its daily ratios recomputed over our bars (the whole of GOOG)."""
    ours = {row["metric"]: row["raw"] for row in rows}
    expected_values = {mine: their_value(stats, theirs) for mine, theirs in SHARED_METRICS}
    expected_values.update(daily_ratios_on_our_bars(stats, GOOG))
    wrong = []
    for mine, expected in expected_values.items():
        value = float(ours[mine])
        if abs(value - expected) > RELATIVE * max(1.0, abs(expected)):
            wrong.append(f"{mine}: ours {value!r}, backtesting.py {expected!r}")
    return wrong
