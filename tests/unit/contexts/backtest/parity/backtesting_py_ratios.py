"""backtesting.py's daily ratios (test-only, AGPL) over the bars of our run. Its frames hold bars ours do
not (one appended so that its `finalize_trades` exits at our last close, and the warmup before our
range), and a daily ratio depends on every day, so its own `compute_stats` is run again over its equity
curve cut to our target bars: the same days, the same 252-day year (its guess for data without weekend
bars; our stock and FX markets' `annualization_days`)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from backtesting._stats import compute_stats

DAILY_RATIOS = ("Sharpe Ratio", "Sortino Ratio", "Calmar Ratio")


def daily_ratios_on_our_bars(
    stats: Any, bars: pd.DataFrame, first: int = 0, equity: npt.NDArray[np.float64] | None = None
) -> dict[str, float]:
    """Its Sharpe, Sortino and Calmar over `bars` (our target bars: time index and `Close`), which are
    rows `first`.. of the frame its run `stats` came from, that frame ending with one appended bar.
    `equity` replaces its curve by ours (same bars), to compare the definitions alone."""
    last = first + len(bars) - 1
    trades = stats["_trades"].copy()
    trades["EntryBar"] = np.clip(trades["EntryBar"], first, last) - first
    trades["ExitBar"] = np.clip(trades["ExitBar"], first, last) - first
    curve = np.asarray(equity if equity is not None else _its_curve_on_our_bars(stats, first, last))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its pandas deprecation notices
        theirs: Any = compute_stats(trades, curve, bars, None)
    return {name: float(theirs[name]) for name in DAILY_RATIOS}


def _its_curve_on_our_bars(stats: Any, first: int, last: int) -> npt.NDArray[np.float64]:
    curve = stats["_equity_curve"]["Equity"].to_numpy(dtype=np.float64)
    assert curve.shape[0] == last + 2, "its frame is ours plus one appended bar"
    equity = curve[first : last + 1].copy()
    # It books a position still open at the end on the appended bar, at our last close, where we book
    # it on our last bar: its final equity (after that exit's commission) is our last bar's.
    equity[-1] = curve[-1]
    return equity
