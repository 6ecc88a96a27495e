"""Running sums behind the ranking metrics, kept by the close-fill engine as it walks the bars, so the
metric-only pass needs no trade list and no equity array. Trade and day statistics live in one small
accumulator array (updated once per trade or per UTC day); the per-bar drawdown state stays in the
engine's registers. The rules for undefined values are written once here and in the ranking doc
(docs/architecture/backtest/backtest-ranking-metrics-v1.md)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from trading.contexts.backtest.domain.services.drawdown_ratio import return_over_drawdown
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_COLUMN

FloatArray = npt.NDArray[np.float64]

_KERNEL_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "inline": "always"}
_return_over_risk = njit(**_KERNEL_OPTIONS)(return_over_drawdown)


# Accumulator slots.
_WINS = 0
_RETURN_SUM = 1
_BEST = 2
_WORST = 3
_LOG_GROWTH_SUM = 4
_PNL_MEAN = 5
_PNL_M2 = 6
_BARS_HELD = 7
_LAST_EXIT_BAR = 8
_DAY_COUNT = 9
_DAY_MEAN = 10
_DAY_M2 = 11
_DAY_DOWNSIDE_SQ = 12
_DAY_LAST_EQUITY = 13
_DAY_FIRST_EQUITY = 14
_DAY_MIN_EQUITY = 15
ACCUMULATOR_SLOTS = 16

_TOTAL_RETURN = METRIC_COLUMN["total_return_pct"]
_MAX_DRAWDOWN = METRIC_COLUMN["max_drawdown_pct"]
_RETURN_OVER_MAX_DRAWDOWN = METRIC_COLUMN["return_over_max_drawdown"]
_PROFIT_FACTOR = METRIC_COLUMN["profit_factor"]
_NUM_TRADES = METRIC_COLUMN["num_trades"]
_WIN_RATE = METRIC_COLUMN["win_rate_pct"]
_AVG_TRADE = METRIC_COLUMN["avg_trade_pct"]
_EXPECTANCY = METRIC_COLUMN["expectancy_pct"]
_BEST_TRADE = METRIC_COLUMN["best_trade_pct"]
_WORST_TRADE = METRIC_COLUMN["worst_trade_pct"]
_SQN = METRIC_COLUMN["sqn"]
_SHARPE = METRIC_COLUMN["sharpe_ratio"]
_SORTINO = METRIC_COLUMN["sortino_ratio"]
_CALMAR = METRIC_COLUMN["calmar_ratio"]
_COVERAGE = METRIC_COLUMN["position_coverage_pct"]
_MAX_DRAWDOWN_DURATION = METRIC_COLUMN["max_drawdown_duration_bars"]


@njit(**_KERNEL_OPTIONS)
def new_accumulators() -> FloatArray:
    acc = np.zeros(ACCUMULATOR_SLOTS, dtype=np.float64)
    acc[_BEST] = -math.inf
    acc[_WORST] = math.inf
    acc[_LAST_EXIT_BAR] = -1.0
    acc[_DAY_LAST_EQUITY] = math.nan
    acc[_DAY_FIRST_EQUITY] = math.nan
    acc[_DAY_MIN_EQUITY] = math.inf
    return acc


@njit(**_KERNEL_OPTIONS)
def _merge_moments(count: float, mean: float, m2: float, k: float, value: float) -> tuple[float, float]:
    """Mean and sum of squared deviations after adding `k` observations equal to `value` (Chan et al.);
    a whole run of flat days is one merge, and k = 1 is Welford's update."""
    total = count + k
    delta = value - mean
    return mean + delta * k / total, m2 + delta * delta * count * k / total


@njit(**_KERNEL_OPTIONS)
def _add_trade(
    wins: float,
    return_sum: float,
    best: float,
    worst: float,
    pnl_mean: float,
    pnl_m2: float,
    bars_held: float,
    last_exit_bar: float,
    n_before: int,
    net_pnl: float,
    entry_amount: float,
    entry_bar: int,
    exit_bar: int,
) -> tuple[float, float, float, float, float, float, float, float, float]:
    """The trade sums after one more closed trade, and the trade's growth factor (its log is summed apart:
    a library call would keep the lane form from vectorising). One arithmetic for both forms."""
    trade_return = net_pnl / entry_amount * 100.0
    wins += 1.0 if net_pnl > 0.0 else 0.0
    return_sum += trade_return
    best = max(best, trade_return)
    worst = min(worst, trade_return)
    pnl_mean, pnl_m2 = _merge_moments(n_before, pnl_mean, pnl_m2, 1.0, net_pnl)
    # Held bars run from entry to exit, both included; a bar that closes one trade and opens the next
    # counts once.
    shared_bar = 1.0 if entry_bar == last_exit_bar else 0.0
    bars_held += exit_bar - entry_bar + 1 - shared_bar
    growth = 1.0 + trade_return / 100.0
    return wins, return_sum, best, worst, pnl_mean, pnl_m2, bars_held, float(exit_bar), growth


@njit(**_KERNEL_OPTIONS)
def _log_growth(growth: float) -> float:
    return math.log(growth) if growth > 0.0 else math.nan


@njit(**_KERNEL_OPTIONS)
def record_trade(
    acc: FloatArray, n_before: int, net_pnl: float, entry_amount: float, entry_bar: int, exit_bar: int
) -> None:
    """One closed trade; `n_before` is the number of trades closed before it."""
    (
        acc[_WINS], acc[_RETURN_SUM], acc[_BEST], acc[_WORST], acc[_PNL_MEAN], acc[_PNL_M2], acc[_BARS_HELD],
        acc[_LAST_EXIT_BAR], growth,
    ) = _add_trade(
        acc[_WINS], acc[_RETURN_SUM], acc[_BEST], acc[_WORST], acc[_PNL_MEAN], acc[_PNL_M2], acc[_BARS_HELD],
        acc[_LAST_EXIT_BAR], n_before, net_pnl, entry_amount, entry_bar, exit_bar,
    )
    acc[_LOG_GROWTH_SUM] += _log_growth(growth)


@njit(**_KERNEL_OPTIONS)
def new_lane_accumulators(lanes: int) -> FloatArray:
    """Accumulators of `lanes` accounts, slot-major (`acc[slot, lane]`), so that a pass over the lanes
    reads each slot contiguously and the compiler can vectorise it; `acc[:, lane]` is one account's."""
    acc = np.empty((ACCUMULATOR_SLOTS, lanes), dtype=np.float64)
    first = new_accumulators()
    for slot in range(ACCUMULATOR_SLOTS):
        acc[slot, :] = first[slot]
    return acc


@njit(**_KERNEL_OPTIONS)
def record_lane_trades(
    acc: FloatArray,
    closes: npt.NDArray[np.bool_],
    n_before: npt.NDArray[np.int64],
    net_pnl: FloatArray,
    entry_amount: FloatArray,
    entry_bar: npt.NDArray[np.int64],
    exit_bar: npt.NDArray[np.int64],
    growth: FloatArray,
) -> None:
    """`record_trade` for every lane that `closes`, on slot-major accumulators: one pass of selects over
    all lanes (the divisions of lanes closing on one bar run side by side), then the log of each closed
    trade's growth (left in `growth`) lane by lane (a library call, kept scalar so its bits are
    `record_trade`'s)."""
    for k in range(closes.shape[0]):
        sums = _add_trade(
            acc[_WINS, k], acc[_RETURN_SUM, k], acc[_BEST, k], acc[_WORST, k], acc[_PNL_MEAN, k], acc[_PNL_M2, k],
            acc[_BARS_HELD, k], acc[_LAST_EXIT_BAR, k], n_before[k], net_pnl[k], entry_amount[k], entry_bar[k],
            exit_bar[k],
        )
        lane_closes = closes[k]
        acc[_WINS, k] = sums[0] if lane_closes else acc[_WINS, k]
        acc[_RETURN_SUM, k] = sums[1] if lane_closes else acc[_RETURN_SUM, k]
        acc[_BEST, k] = sums[2] if lane_closes else acc[_BEST, k]
        acc[_WORST, k] = sums[3] if lane_closes else acc[_WORST, k]
        acc[_PNL_MEAN, k] = sums[4] if lane_closes else acc[_PNL_MEAN, k]
        acc[_PNL_M2, k] = sums[5] if lane_closes else acc[_PNL_M2, k]
        acc[_BARS_HELD, k] = sums[6] if lane_closes else acc[_BARS_HELD, k]
        acc[_LAST_EXIT_BAR, k] = sums[7] if lane_closes else acc[_LAST_EXIT_BAR, k]
        growth[k] = sums[8]
    for k in range(closes.shape[0]):
        if closes[k]:
            acc[_LOG_GROWTH_SUM, k] += _log_growth(growth[k])


@njit(**_KERNEL_OPTIONS)
def record_day_close(acc: FloatArray, equity: float) -> None:
    """Equity at the last bar of a UTC day; from the second such bar on, each adds one daily return."""
    previous = acc[_DAY_LAST_EQUITY]
    if previous == previous:
        day_return = equity / previous - 1.0
        acc[_DAY_MEAN], acc[_DAY_M2] = _merge_moments(acc[_DAY_COUNT], acc[_DAY_MEAN], acc[_DAY_M2], 1.0, day_return)
        acc[_DAY_COUNT] += 1.0
        downside = min(day_return, 0.0)
        acc[_DAY_DOWNSIDE_SQ] += downside * downside
    else:
        acc[_DAY_FIRST_EQUITY] = equity
    acc[_DAY_LAST_EQUITY] = equity
    acc[_DAY_MIN_EQUITY] = min(acc[_DAY_MIN_EQUITY], equity)


@njit(**_KERNEL_OPTIONS)
def record_flat_day_closes(acc: FloatArray, equity: float, day_closes: int) -> None:
    """`day_closes` day ends at one unchanged equity: the first may see a change, the rest return 0."""
    if day_closes <= 0:
        return
    record_day_close(acc, equity)
    zeros = float(day_closes - 1)
    if zeros > 0.0:
        acc[_DAY_MEAN], acc[_DAY_M2] = _merge_moments(acc[_DAY_COUNT], acc[_DAY_MEAN], acc[_DAY_M2], zeros, 0.0)
        acc[_DAY_COUNT] += zeros


@njit(**_KERNEL_OPTIONS)
def _profit_factor(n_trades: int, win_sum: float, loss_sum: float) -> float:
    if n_trades == 0:
        return math.nan
    if loss_sum < 0.0:
        return win_sum / -loss_sum
    if win_sum > 0.0:
        return math.inf
    return math.nan


@njit(**_KERNEL_OPTIONS)
def _sample_std(m2: float, count: float) -> float:
    return math.sqrt(m2 / (count - 1.0))


@njit(**_KERNEL_OPTIONS)
def write_metrics(
    out: FloatArray,
    acc: FloatArray,
    final_equity: float,
    init_cash: float,
    min_equity_to_peak: float,
    max_drawdown_bars: int,
    n_trades: int,
    win_sum: float,
    loss_sum: float,
    n_bars: int,
    days_per_year: float,
) -> None:
    """Every ranking metric into `out` (RANKING_METRICS order)."""
    total_return_pct = (final_equity / init_cash - 1.0) * 100.0
    max_drawdown_pct = (1.0 - min_equity_to_peak) * 100.0
    out[_TOTAL_RETURN] = total_return_pct
    out[_MAX_DRAWDOWN] = max_drawdown_pct
    out[_RETURN_OVER_MAX_DRAWDOWN] = _return_over_risk(total_return_pct, max_drawdown_pct)
    out[_PROFIT_FACTOR] = _profit_factor(n_trades, win_sum, loss_sum)
    out[_NUM_TRADES] = n_trades
    out[_MAX_DRAWDOWN_DURATION] = max_drawdown_bars
    out[_COVERAGE] = acc[_BARS_HELD] / n_bars * 100.0
    if n_trades == 0:
        for column in (_WIN_RATE, _AVG_TRADE, _EXPECTANCY, _BEST_TRADE, _WORST_TRADE, _SQN):
            out[column] = math.nan
    else:
        out[_WIN_RATE] = acc[_WINS] / n_trades * 100.0
        out[_AVG_TRADE] = (math.exp(acc[_LOG_GROWTH_SUM] / n_trades) - 1.0) * 100.0
        out[_EXPECTANCY] = acc[_RETURN_SUM] / n_trades
        out[_BEST_TRADE] = acc[_BEST]
        out[_WORST_TRADE] = acc[_WORST]
        out[_SQN] = (
            math.sqrt(n_trades) * _return_over_risk(acc[_PNL_MEAN], _sample_std(acc[_PNL_M2], n_trades))
            if n_trades >= 2
            else math.nan
        )
    _write_daily_ratios(out, acc, max_drawdown_pct, days_per_year)


@njit(**_KERNEL_OPTIONS)
def _write_daily_ratios(out: FloatArray, acc: FloatArray, max_drawdown_pct: float, days_per_year: float) -> None:
    """Sharpe, Sortino and Calmar by backtesting.py's compounded definitions (risk-free 0): the annual
    return compounds the geometric mean daily growth over `days_per_year` days; Sharpe divides it by
    the compounded annual volatility, Sortino by the root mean square of the down days x sqrt(days per
    year), Calmar by the max drawdown. Undefined with fewer than two daily returns, or after a day end
    at equity <= 0 (no geometric mean; backtesting.py takes 0 there)."""
    days = acc[_DAY_COUNT]
    if days < 2.0 or not acc[_DAY_MIN_EQUITY] > 0.0:
        out[_SHARPE] = math.nan
        out[_SORTINO] = math.nan
        out[_CALMAR] = math.nan
        return
    # The product of the daily growths telescopes to last / first day-end equity, so the log of the
    # geometric mean daily growth needs no per-day logarithm.
    log_growth = math.log(acc[_DAY_LAST_EQUITY] / acc[_DAY_FIRST_EQUITY]) / days
    annual_return = math.expm1(days_per_year * log_growth)
    # Volatility of the compounded year, sqrt((var + g^2)^D - g^(2D)) with g the mean daily growth and
    # var the sample variance (ddof 1) of the daily returns, factored as g^D x sqrt((1 + var / g^2)^D - 1)
    # so that it never cancels below zero and is exactly 0 for equal daily returns.
    variance = acc[_DAY_M2] / (days - 1.0)
    spread = math.expm1(days_per_year * math.log1p(variance * math.exp(-2.0 * log_growth)))
    annual_volatility = math.exp(days_per_year * log_growth) * math.sqrt(spread)
    annual_downside = math.sqrt(acc[_DAY_DOWNSIDE_SQ] / days) * math.sqrt(days_per_year)
    out[_SHARPE] = _return_over_risk(annual_return, annual_volatility)
    out[_SORTINO] = _return_over_risk(annual_return, annual_downside)
    out[_CALMAR] = _return_over_risk(annual_return, max_drawdown_pct / 100.0)


def _closes_day(ts_ms: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True on the last bar of each UTC day (and on the last bar)."""
    days = np.asarray(ts_ms, dtype=np.int64) // 86_400_000
    return np.r_[days[1:] != days[:-1], True]


def day_close_index(ts_ms: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Where the UTC days close (a day closes on its last bar; the last bar always closes one), as
    (`counts[t]`: day closes before bar t, so a stretch [a, b) holds counts[b] - counts[a];
    `next_close[t]`: the first day-close bar >= t, -1 past the end). Both have n + 1 entries."""
    closes_day = _closes_day(ts_ms)
    close_bars = np.flatnonzero(closes_day)
    next_close = np.r_[close_bars[np.searchsorted(close_bars, np.arange(closes_day.shape[0]))], -1]
    return np.r_[0, np.cumsum(closes_day, dtype=np.int64)], next_close.astype(np.int64)


@njit(cache=True, nogil=True, error_model="numpy")
def _replay_metrics(
    out: FloatArray,
    net_pnl: FloatArray,
    entry_amount: FloatArray,
    entry_bar: npt.NDArray[np.int64],
    exit_bar: npt.NDArray[np.int64],
    equity: FloatArray,
    closes_day: npt.NDArray[np.bool_],
    init_cash: float,
    days_per_year: float,
) -> None:
    acc = new_accumulators()
    win_sum = 0.0
    loss_sum = 0.0
    for i in range(net_pnl.shape[0]):
        record_trade(acc, i, net_pnl[i], entry_amount[i], entry_bar[i], exit_bar[i])
        win_sum += max(net_pnl[i], 0.0)
        loss_sum += min(net_pnl[i], 0.0)
    peak = -math.inf
    peak_bar = -1
    min_ratio = 1.0
    longest_gap = 0
    for t in range(equity.shape[0]):
        if equity[t] >= peak:
            longest_gap = max(longest_gap, t - peak_bar)
            peak = equity[t]
            peak_bar = t
        else:
            min_ratio = min(min_ratio, equity[t] / peak)
        if closes_day[t]:
            record_day_close(acc, equity[t])
    longest = max(longest_gap if longest_gap > 1 else 0, equity.shape[0] - 1 - peak_bar)
    write_metrics(
        out, acc, equity[-1], init_cash, min_ratio, longest, net_pnl.shape[0], win_sum, loss_sum,
        equity.shape[0], days_per_year,
    )


def replayed_metrics(
    ts_ms: npt.NDArray[np.int64],
    equity: FloatArray,
    net_pnl: FloatArray,
    entry_amount: FloatArray,
    entry_bar: npt.NDArray[np.int64],
    exit_bar: npt.NDArray[np.int64],
    init_cash: float,
    days_per_year: float,
) -> FloatArray:
    """Every ranking metric of a recorded run (trades and equity curve that did not come out of one
    engine pass, e.g. stitched walk-forward test windows), by the engine's own accumulators and rules."""
    closes_day = _closes_day(ts_ms)
    out = np.empty(len(METRIC_COLUMN), dtype=np.float64)
    _replay_metrics(
        out, net_pnl, entry_amount, entry_bar.astype(np.int64), exit_bar.astype(np.int64),
        np.ascontiguousarray(equity, dtype=np.float64), closes_day, float(init_cash), float(days_per_year),
    )
    return out
