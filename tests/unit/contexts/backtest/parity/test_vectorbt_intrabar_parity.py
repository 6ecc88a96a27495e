"""Oracle parity of `stop_mode: intrabar` with vectorbt's `Portfolio.from_signals` (open/high/low/close,
`sl_stop` / `tp_stop`), on seeded synthetic 1m bars and on backtesting.py's EURUSD hourly bars.

Configuration that makes vectorbt trade our rules (vectorbt is in the optional `bench` group; the test
skips without it):
- entries are our signal edges (never on the last bar), exits "signal is not my side"; an entry and an
  exit of the other side on one bar would be a conflict in vectorbt, so exits exclude the other side's
  entry bars, and a reversal is `upon_opposite_entry="reverse"`; both exits are set on the last bar,
  our forced close;
- stops are measured from the entry fill (`stop_entry_price="fillprice"`) and exit with slippage
  (`stop_exit_price="stopmarket"`); fees are a fraction of each fill's value, as ours; all-in sizing.

One convention differs: vectorbt makes at most one order per bar, so when a stop exits inside a bar
whose close is a new signal edge, vectorbt drops that entry and we take it (engine.md: "a stop followed
by an entry on a new edge" share one bar). Variants where this happens are compared up to that bar, and
`test_same_bar_entry_after_a_stop_is_ours_alone` shows the difference on its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from tests.unit.contexts.backtest.parity.sma_cross import cross_signal
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_variant_with_details
from trading.contexts.backtest.domain.entities.trade_log import ExitReason
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.execution import DirectionModeName, ExecutionParams, RiskParams
from trading.contexts.market_data.domain.synthetic import synthesize_1m

vbt = pytest.importorskip("vectorbt")
backtesting_test = pytest.importorskip("backtesting.test")

FloatArray = npt.NDArray[np.float64]
INIT_CASH = 10_000.0
RELATIVE = 1e-9
VARIANTS_PER_DATASET = 40
DIRECTIONS: tuple[DirectionModeName, ...] = ("long_only", "short_only", "long_short")


@dataclass(frozen=True)
class Bars:
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    stop_scale: float  # typical bar move in percent, so random stops trigger sometimes but not always


@dataclass(frozen=True)
class Variant:
    fast: int
    slow: int
    sl_pct: float | None
    tp_pct: float | None
    fee_pct: float
    slippage_pct: float
    direction: DirectionModeName


def synthetic_bars() -> Bars:
    bars = synthesize_1m(1_704_067_200_000, 20_000, seed=3)
    return Bars(bars["open"], bars["high"], bars["low"], bars["close"], stop_scale=0.1)


def eurusd_bars() -> Bars:
    data = backtesting_test.EURUSD
    prices = [data[name].to_numpy(dtype=np.float64) for name in ("Open", "High", "Low", "Close")]
    return Bars(*prices, stop_scale=0.15)


def random_variants(rng: np.random.Generator, stop_scale: float, count: int) -> list[Variant]:
    def stop() -> float | None:
        return None if rng.random() < 0.2 else float(np.round(rng.uniform(1.0, 15.0) * stop_scale, 4))

    variants = []
    for i in range(count):
        fast = int(rng.integers(3, 30))
        variants.append(
            Variant(
                fast=fast,
                slow=int(rng.integers(fast + 5, 120)),
                sl_pct=stop(),
                tp_pct=stop(),
                fee_pct=float(rng.choice([0.0, 0.02, 0.075, 0.1])),
                slippage_pct=float(rng.choice([0.0, 0.005, 0.01, 0.05])),
                direction=DIRECTIONS[i % 3],
            )
        )
    return variants


def ours(bars: Bars, signal: npt.NDArray[np.int8], variant: Variant) -> VariantScoreDetails:
    execution = ExecutionParams(
        direction_mode=variant.direction,
        init_cash_quote=INIT_CASH,
        fee_pct=variant.fee_pct,
        slippage_pct=variant.slippage_pct,
        stop_mode="intrabar",
    )
    ts = np.arange(bars.close.shape[0], dtype=np.int64)
    risk = RiskParams(variant.sl_pct, variant.tp_pct)
    return score_variant_with_details(ts, bars.close, signal, risk, execution, (bars.open, bars.high, bars.low))


def vectorbt_trades(bars: Bars, signal: npt.NDArray[np.int8], variant: Variant) -> tuple[pd.DataFrame, float]:
    previous = np.r_[0, signal[:-1]]
    long_entry = (signal == 1) & (previous != 1) & (variant.direction != "short_only")
    short_entry = (signal == -1) & (previous != -1) & (variant.direction != "long_only")
    long_entry[-1] = short_entry[-1] = False
    long_exit = (signal != 1) & ~short_entry
    short_exit = (signal != -1) & ~long_entry
    long_exit[-1] = short_exit[-1] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        portfolio = vbt.Portfolio.from_signals(
            pd.Series(bars.close),
            long_entry,
            long_exit,
            short_entry,
            short_exit,
            open=bars.open,
            high=bars.high,
            low=bars.low,
            sl_stop=np.nan if variant.sl_pct is None else variant.sl_pct / 100,
            tp_stop=np.nan if variant.tp_pct is None else variant.tp_pct / 100,
            stop_entry_price="fillprice",
            stop_exit_price="stopmarket",
            upon_opposite_entry="reverse",
            fees=variant.fee_pct / 100,
            slippage=variant.slippage_pct / 100,
            init_cash=INIT_CASH,
            freq="1min",
        )
    return portfolio.trades.records, float(portfolio.total_return()) * 100


def first_same_bar_entry_after_stop(details: VariantScoreDetails) -> int | None:
    """Index of the first trade entered on the bar a stop closed the previous trade, if any."""
    trades = details.trades
    stops = (ExitReason.STOP_LOSS, ExitReason.TAKE_PROFIT)
    for i in range(1, len(trades)):
        if trades.exit_reason[i - 1] in stops and trades.entry_bar[i] == trades.exit_bar[i - 1]:
            return i
    return None


def assert_same_trades(details: VariantScoreDetails, oracle: pd.DataFrame, count: int) -> None:
    trades = details.trades
    np.testing.assert_array_equal(trades.entry_bar[:count], oracle["entry_idx"].to_numpy()[:count])
    np.testing.assert_array_equal(trades.exit_bar[:count], oracle["exit_idx"].to_numpy()[:count])
    np.testing.assert_array_equal(trades.side[:count], np.where(oracle["direction"].to_numpy()[:count] == 0, 1, -1))
    np.testing.assert_allclose(trades.entry_price[:count], oracle["entry_price"].to_numpy()[:count], rtol=RELATIVE)
    np.testing.assert_allclose(trades.exit_price[:count], oracle["exit_price"].to_numpy()[:count], rtol=RELATIVE)
    np.testing.assert_allclose(trades.qty[:count], oracle["size"].to_numpy()[:count], rtol=RELATIVE)
    returns = trades.return_pct[:count]
    np.testing.assert_allclose(returns, oracle["return"].to_numpy()[:count] * 100, rtol=RELATIVE, atol=1e-9)


@pytest.mark.parametrize(
    ("name", "make_bars", "seed"), [("synthetic_1m", synthetic_bars, 5), ("eurusd_1h", eurusd_bars, 6)]
)
def test_intrabar_trades_match_vectorbt(name: str, make_bars: Callable[[], Bars], seed: int) -> None:
    bars = make_bars()
    full_matches = 0
    stop_exits = 0
    for variant in random_variants(np.random.default_rng(seed), bars.stop_scale, VARIANTS_PER_DATASET):
        signal = cross_signal(bars.close, variant.fast, variant.slow)
        details = ours(bars, signal, variant)
        oracle, oracle_return = vectorbt_trades(bars, signal, variant)
        diverges_at = first_same_bar_entry_after_stop(details)
        if diverges_at is None:
            assert len(details.trades) == len(oracle) > 0, variant
            assert_same_trades(details, oracle, len(oracle))
            assert details.metrics.total_return_pct == pytest.approx(oracle_return, rel=RELATIVE, abs=1e-9)
            full_matches += 1
        else:
            assert_same_trades(details, oracle, diverges_at)
            assert oracle["entry_idx"].to_numpy()[diverges_at] > details.trades.entry_bar[diverges_at]
        stop_exits += int(np.isin(details.trades.exit_reason, [ExitReason.STOP_LOSS, ExitReason.TAKE_PROFIT]).sum())
    assert full_matches >= 25, f"{name}: only {full_matches} variants free of the same-bar convention"
    assert stop_exits > 100, f"{name}: stops hardly triggered ({stop_exits})"


def test_same_bar_entry_after_a_stop_is_ours_alone() -> None:
    """Long stopped out inside bar 3 whose close crosses to SHORT: we exit at the stop and enter the short
    at that close; vectorbt lets the stop take the bar and never sees the short edge."""
    close = np.array([100.0, 100.0, 100.5, 97.0, 96.0, 95.0])
    open_ = np.r_[100.0, close[:-1]]
    bars = Bars(open_, np.maximum(open_, close) + 0.5, np.minimum(open_, close) - 0.5, close, stop_scale=1.0)
    signal = np.array([0, 1, 1, -1, -1, -1], dtype=np.int8)
    variant = Variant(0, 0, sl_pct=2.0, tp_pct=None, fee_pct=0.0, slippage_pct=0.0, direction="long_short")
    details = ours(bars, signal, variant)
    oracle, _ = vectorbt_trades(bars, signal, variant)
    assert details.trades.exit_reason.tolist() == [ExitReason.STOP_LOSS, ExitReason.END_OF_DATA]
    assert details.trades.entry_bar.tolist() == [1, 3]
    assert oracle["entry_idx"].tolist() == [1]
    assert details.trades.exit_price[0] == oracle["exit_price"].iloc[0] == pytest.approx(98.0, rel=1e-15)
