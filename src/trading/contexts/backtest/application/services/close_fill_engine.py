"""The one close-fill position state machine. Ranking and reports both run `simulate_close_fill`, so
their numbers can never diverge: the metric path passes `None` for the trade and equity buffers (numba
prunes the recording branches at compile time, so that specialisation is a tight loop), the details
path passes buffers sized by a first, non-recording pass."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from trading.contexts.backtest.application.services.close_fill_metrics import (
    new_accumulators,
    record_day_close,
    record_flat_day_closes,
    record_trade,
    write_metrics,
)
from trading.contexts.backtest.domain.entities.trade_log import ExitReason, TradeLog
from trading.contexts.backtest.domain.value_objects.execution import (
    DIRECTION_CODES,
    SIZING_CODES,
    DirectionMode,
    ExecutionParams,
    SizingMode,
)

# Columns of the trade buffer the details path passes in.
TRADE_ENTRY_BAR = 0
TRADE_EXIT_BAR = 1
TRADE_SIDE = 2
TRADE_ENTRY_PRICE = 3
TRADE_EXIT_PRICE = 4
TRADE_QTY = 5
TRADE_ENTRY_FEE = 6
TRADE_EXIT_FEE = 7
TRADE_GROSS_PNL = 8
TRADE_NET_PNL = 9
TRADE_ENTRY_AMOUNT = 10
TRADE_EXIT_REASON = 11
TRADE_ENTRY_SIGNAL_BAR = 12
TRADE_FIELDS = 13

_LONG_ONLY = int(DirectionMode.LONG_ONLY)
_SHORT_ONLY = int(DirectionMode.SHORT_ONLY)
_FIXED_QUOTE = int(SizingMode.FIXED_QUOTE)
_PROFIT_LOCK = int(SizingMode.STRATEGY_COMPOUND_PROFIT_LOCK)
_EXIT_SIGNAL = int(ExitReason.SIGNAL)
_EXIT_REVERSE = int(ExitReason.REVERSE)
_EXIT_STOP_LOSS = int(ExitReason.STOP_LOSS)
_EXIT_TAKE_PROFIT = int(ExitReason.TAKE_PROFIT)
_EXIT_END_OF_DATA = int(ExitReason.END_OF_DATA)

# numpy error model: a division by zero gives inf/NaN like the metric rules expect, and the hot loop
# carries no zero checks.
_KERNEL_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}

# Relative slack of the cheap drawdown pre-check; far above one rounding error, so no bar is missed.
DRAWDOWN_CHECK_SLACK = 1.0 + 1e-12

ExecutionScalars = tuple[int, int, float, float, float, float, float]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Open, high and low of every bar: what intrabar stops read besides the close.
BarRange = tuple[FloatArray, FloatArray, FloatArray]
# What the engine's intrabar stops read: open, high, low, and the lowest low / highest high of each
# block of STOP_BLOCK_BARS bars (`intrabar_arrays`).
IntrabarArrays = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]
# A block whose extremes touch neither level needs no per-bar stop check (a power of two: t >> shift).
STOP_BLOCK_SHIFT = 4
STOP_BLOCK_BARS = 1 << STOP_BLOCK_SHIFT
# Bars a flat scan tests at once (`next_change`).
SCAN_BLOCK_BARS = 64
_SCAN_BLOCK_WORDS = SCAN_BLOCK_BARS // 8


def intrabar_arrays(open_: FloatArray, high: FloatArray, low: FloatArray) -> IntrabarArrays:
    """The bar range plus per-block extremes (NaN ignored, like every stop comparison ignores it), so
    a position whose levels lie outside a block's range skips the block's per-bar high/low reads."""
    starts = np.arange(0, low.shape[0], STOP_BLOCK_BARS)
    return (open_, high, low, np.fmin.reduceat(low, starts), np.fmax.reduceat(high, starts))


def execution_scalars(execution: ExecutionParams) -> ExecutionScalars:
    """Kernel arguments for the execution settings: mode codes, money amounts, fractions (not percents)."""
    return (
        int(DIRECTION_CODES[execution.direction_mode]),
        int(SIZING_CODES[execution.sizing_mode]),
        float(execution.init_cash_quote),
        float(execution.fixed_quote),
        float(execution.safe_profit_percent) / 100.0,
        float(execution.fee_pct) / 100.0,
        float(execution.slippage_pct) / 100.0,
    )


@njit(**_KERNEL_OPTIONS, inline="always")
def direction_allowed(side: int, direction_mode: int) -> bool:
    if side > 0:
        return direction_mode != _SHORT_ONLY
    if side < 0:
        return direction_mode != _LONG_ONLY
    return False


@njit(**_KERNEL_OPTIONS, inline="always")
def next_change(signal: npt.NDArray[np.int8], t: int, end: int, value: int) -> int:
    """The first bar in [t, end) whose signal is not `value`, else `end`. The first SCAN_BLOCK_BARS bars
    are tested one by one (a dense row changes within a few bars, and a word scan's setup would cost
    more); past them, whole blocks are read as 64-bit words and tested with one OR of XORs against
    `value` repeated, so a long flat stretch costs a small fraction of a scalar step per bar."""
    value8 = np.int8(value)
    first_block_end = min(end, t + SCAN_BLOCK_BARS)
    while t < first_block_end and signal[t] == value8:
        t += 1
    if t < first_block_end:
        return t
    blocks = (end - t) // SCAN_BLOCK_BARS
    if blocks > 0:
        words = signal[t : t + blocks * SCAN_BLOCK_BARS].view(np.uint64)
        pattern = np.uint64(value8 & 0xFF) * np.uint64(0x0101010101010101)
        block = 0
        while block < blocks:
            differs = np.uint64(0)
            for word in range(block * _SCAN_BLOCK_WORDS, (block + 1) * _SCAN_BLOCK_WORDS):
                differs |= words[word] ^ pattern
            if differs != 0:
                break
            block += 1
        t += block * SCAN_BLOCK_BARS
    while t < end and signal[t] == value8:
        t += 1
    return t


@njit(**_KERNEL_OPTIONS, inline="always")
def track_drawdown(
    equity: float,
    bar: int,
    peak_equity: float,
    peak_bar: int,
    min_equity_to_peak: float,
    check_ratio: float,
    longest_gap: int,
) -> tuple[float, int, float, float, int]:
    """Running peak, lowest equity/peak ratio and the longest gap between bars at the peak (branch-free
    selects: whether a bar is at the peak is unpredictable). The division runs only when the cheap
    product check says the ratio may be a new low, which is rare; `check_ratio` is the lowest ratio
    widened by the slack."""
    at_peak = equity >= peak_equity
    longest_gap = max(longest_gap, bar - peak_bar if at_peak else 0)
    peak_bar = bar if at_peak else peak_bar
    peak_equity = max(peak_equity, equity)
    if equity < peak_equity * check_ratio:
        min_equity_to_peak = min(min_equity_to_peak, equity / peak_equity)
        check_ratio = min_equity_to_peak * DRAWDOWN_CHECK_SLACK
    return peak_equity, peak_bar, min_equity_to_peak, check_ratio, longest_gap


@njit(**_KERNEL_OPTIONS, inline="always")
def drawdown_step(
    applies: bool,
    equity: float,
    bar: int,
    peak_equity: float,
    peak_bar: int,
    min_equity_to_peak: float,
    check_ratio: float,
    longest_gap: int,
) -> tuple[float, int, float, float, int]:
    """`track_drawdown` where `applies` (else the state as it is), written out as selects so a pass over
    many accounts (the lane walk's) vectorises: the ratio is divided every time and kept only where the
    pre-check would have divided, so the values are `track_drawdown`'s."""
    at_peak = equity >= peak_equity
    gap = max(longest_gap, bar - peak_bar if at_peak else 0)
    new_peak_bar = bar if at_peak else peak_bar
    peak = max(peak_equity, equity)
    ratio = equity / peak
    new_low = equity < peak * check_ratio
    low = min(min_equity_to_peak, ratio) if new_low else min_equity_to_peak
    check = low * DRAWDOWN_CHECK_SLACK if new_low else check_ratio
    if applies:  # a select: both sides are computed already
        return peak, new_peak_bar, low, check, gap
    return peak_equity, peak_bar, min_equity_to_peak, check_ratio, longest_gap


@njit(**_KERNEL_OPTIONS, inline="always")
def flat_drawdown(
    applies: bool,
    equity: float,
    flat_from: int,
    flat_end: int,
    peak_equity: float,
    peak_bar: int,
    min_equity_to_peak: float,
    check_ratio: float,
    longest_gap: int,
) -> tuple[float, int, float, float, int]:
    """The drawdown update of the flat closes [flat_from, flat_end) at one equity where `applies`: one
    update however long the stretch, as selects (`drawdown_step`)."""
    peak_equity, peak_bar, min_equity_to_peak, check_ratio, longest_gap = drawdown_step(
        applies, equity, flat_from, peak_equity, peak_bar, min_equity_to_peak, check_ratio, longest_gap
    )
    if applies and peak_bar == flat_from:
        peak_bar = flat_end - 1  # the whole stretch sits at the peak
    return peak_equity, peak_bar, min_equity_to_peak, check_ratio, longest_gap


@njit(**_KERNEL_OPTIONS, inline="always")
def flat_stretch(
    equity: float,
    flat_from: int,
    flat_end: int,
    peak_equity: float,
    peak_bar: int,
    min_equity_to_peak: float,
    check_ratio: float,
    longest_gap: int,
    acc: FloatArray,
    day_closes: IntArray | None,
) -> tuple[float, int, float, float, int]:
    """The flat closes [flat_from, flat_end) at one equity: one drawdown update and one merge of their
    day closes, however long the stretch."""
    state = flat_drawdown(
        True, equity, flat_from, flat_end, peak_equity, peak_bar, min_equity_to_peak, check_ratio, longest_gap
    )
    if day_closes is not None:
        record_flat_day_closes(acc, equity, int(day_closes[flat_end] - day_closes[flat_from]))
    return state


@njit(**_KERNEL_OPTIONS, inline="always")
def entry_budget(available: float, sizing_mode: int, fixed_quote: float) -> float:
    """What an entry may spend: the cash, or at most `fixed_quote` of it."""
    return min(available, fixed_quote) if sizing_mode == _FIXED_QUOTE else available


@njit(**_KERNEL_OPTIONS, inline="always")
def open_position(
    side: int,
    price: float,
    budget: float,
    available: float,
    sl_fraction: float,
    tp_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
) -> tuple[float, float, float, float, float, float, float, float]:
    """Entry fill of `budget` at `price`: (entry price, qty, signed qty, entry amount, entry fee, cash
    left, signed SL level, signed TP level). Stop levels are times the side, so one comparison serves
    longs and shorts; NaN never triggers."""
    entry_price = price * (1.0 + side * slippage_fraction)
    qty = budget / (entry_price * (1.0 + fee_fraction))
    signed_qty = side * qty
    entry_amount = qty * entry_price
    entry_fee = entry_amount * fee_fraction
    available -= entry_amount + entry_fee
    signed_sl_level = side * entry_price * (1.0 - side * sl_fraction)
    signed_tp_level = side * entry_price * (1.0 + side * tp_fraction)
    return entry_price, qty, signed_qty, entry_amount, entry_fee, available, signed_sl_level, signed_tp_level


@njit(**_KERNEL_OPTIONS, inline="always")
def close_position(
    side: int,
    price: float,
    qty: float,
    signed_qty: float,
    entry_price: float,
    entry_amount: float,
    entry_fee: float,
    available: float,
    safe: float,
    win_sum: float,
    loss_sum: float,
    lock_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
) -> tuple[float, float, float, float, float, float, float, float]:
    """Exit fill at `price` (before slippage): (exit price, exit fee, gross pnl, net pnl, cash, locked
    profit, win sum, loss sum)."""
    exit_price = price * (1.0 - side * slippage_fraction)
    exit_fee = qty * exit_price * fee_fraction
    gross_pnl = signed_qty * (exit_price - entry_price)
    net_pnl = gross_pnl - entry_fee - exit_fee
    available += entry_amount + gross_pnl - exit_fee
    # Branch-free: a trade's sign is unpredictable, and adding 0.0 leaves every sum unchanged.
    profit = max(net_pnl, 0.0)
    win_sum += profit
    loss_sum += min(net_pnl, 0.0)
    locked = profit * lock_fraction
    available -= locked
    safe += locked
    return exit_price, exit_fee, gross_pnl, net_pnl, available, safe, win_sum, loss_sum


@njit(**_KERNEL_OPTIONS, inline="always")
def longest_drawdown(longest_gap: int, peak_bar: int, last_bar: int) -> int:
    """Bars from a peak to the bar back at the peak, or to the last bar for a drawdown still open there;
    a gap of one bar between peaks is no drawdown."""
    recovered = longest_gap if longest_gap > 1 else 0
    return max(recovered, last_bar - peak_bar)


@njit(**_KERNEL_OPTIONS, inline="always")
def intrabar_stop(
    side: int,
    bar_open: float,
    worst: float,
    best: float,
    signed_sl_level: float,
    signed_tp_level: float,
) -> tuple[int, float]:
    """Exit reason (-1: none) and price before slippage of a stop touched inside a bar. `worst` / `best`
    are the bar's low / high for a long (high / low for a short), and levels are signed by the side like
    in the engine, so one comparison serves both sides. The stop-loss wins when a bar touches both
    (pessimistic, like backtesting.py and vectorbt); a bar that opens beyond a level fills at its open
    (the gap), otherwise the fill is the level itself. Selects only, so a pass over lanes vectorises."""
    sl_hit = side * worst <= signed_sl_level
    tp_hit = side * best >= signed_tp_level
    sl_price = bar_open if side * bar_open <= signed_sl_level else side * signed_sl_level
    tp_price = bar_open if side * bar_open >= signed_tp_level else side * signed_tp_level
    reason = _EXIT_STOP_LOSS if sl_hit else (_EXIT_TAKE_PROFIT if tp_hit else -1)
    price = sl_price if sl_hit else (tp_price if tp_hit else 0.0)
    return reason, price


@njit(**_KERNEL_OPTIONS)
def simulate_close_fill(
    close: npt.NDArray[np.float64],
    signal: npt.NDArray[np.int8],
    sl_pct: float,
    tp_pct: float,
    direction_mode: int,
    sizing_mode: int,
    init_cash: float,
    fixed_quote: float,
    safe_profit_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
    trades_out: npt.NDArray[np.float64] | None,
    equity_out: npt.NDArray[np.float64] | None,
    next_open: npt.NDArray[np.float64] | None,
    intrabar: IntrabarArrays | None,
    day_closes: IntArray | None,
    next_day_close: IntArray | None,
    days_per_year: float,
    metrics_out: FloatArray,
) -> int:
    """Writes every ranking metric into `metrics_out` (RANKING_METRICS order) and returns the number of
    closed trades. `sl_pct` / `tp_pct` are human percents, NaN disables the stop. One position at most, so at most one
    exit per bar: SL/TP first (SL wins), then the signal exit, then the forced close on the last bar;
    the entry comes after the exit, so a reversal or a stop followed by a new edge share one bar.

    Execution modes are chosen by argument types, so each combination compiles to its own loop:
    `next_open` (the open prices) fills every decision made at close t at the open of t + 1, except a
    decision on the last bar, which closes at that close; `intrabar` (`intrabar_arrays`) checks SL/TP
    inside every bar after the entry fill instead of at the close, reading a bar's high and low only
    when its block's extremes reach a level. The daily-equity resample is folded
    into this loop: `day_closes` and `next_day_close` (from `day_close_index`) place the last bar of
    each UTC day; with `None` for both, the daily ratios are NaN and the loop does no per-day work.
    `days_per_year` annualises them (the market's `annualization_days`)."""
    n = close.shape[0]
    last_bar = n - 1
    lag = 0 if next_open is None else 1
    sl_fraction = sl_pct / 100.0
    tp_fraction = tp_pct / 100.0

    lock_fraction = safe_profit_fraction if sizing_mode == _PROFIT_LOCK else 0.0
    available = init_cash
    safe = 0.0
    n_trades = 0
    win_sum = 0.0
    loss_sum = 0.0
    equity = init_cash
    peak_equity = -math.inf
    peak_bar = -1
    min_equity_to_peak = 1.0
    drawdown_check_ratio = DRAWDOWN_CHECK_SLACK
    longest_gap = 0
    acc = new_accumulators()

    # Decisions are read from bar `t`; the account is flat at the close of every bar from `flat_from`
    # on (with next-open fills an exit decided at t leaves the position open through close t).
    t = 0
    flat_from = 0
    while True:
        # Flat: find the next entry edge. Equity stays `equity`, so the drawdown sees it once, unless
        # no flat close precedes the entry fill.
        previous_signal = int(signal[t - 1]) if t > 0 else 0
        budget = 0.0
        side = 0
        while t < last_bar:
            if equity_out is None:
                # Bars where the signal stays as it was decide nothing; the metric pass skips them.
                t = next_change(signal, t, last_bar, previous_signal)
                if t == last_bar:
                    break
            current_signal = int(signal[t])
            if current_signal != previous_signal and direction_allowed(current_signal, direction_mode):
                budget = entry_budget(available, sizing_mode, fixed_quote)
                if budget > 0.0:
                    side = current_signal
                    break
            if equity_out is not None and t >= flat_from:
                equity_out[t] = equity
            previous_signal = current_signal
            t += 1
        # The flat closes run from `flat_from` to the entry fill (or to the end): one block of bars at
        # one equity for the drawdown and the daily returns.
        flat_end = t + lag if side != 0 else n
        if flat_end > flat_from:
            peak_equity, peak_bar, min_equity_to_peak, drawdown_check_ratio, longest_gap = flat_stretch(
                equity, flat_from, flat_end, peak_equity, peak_bar, min_equity_to_peak, drawdown_check_ratio,
                longest_gap, acc, day_closes,
            )
        if side == 0:
            if equity_out is not None:
                equity_out[max(t, flat_from) :] = equity
            break

        entry_signal_bar = t
        if next_open is None:
            price = close[t]
        else:
            if equity_out is not None and t >= flat_from:
                equity_out[t] = equity
            t += 1
            price = next_open[t]
        entry_bar = t
        entry_price, qty, signed_qty, entry_amount, entry_fee, available, signed_sl_level, signed_tp_level = (
            open_position(side, price, budget, available, sl_fraction, tp_fraction, fee_fraction, slippage_fraction)
        )
        equity_base = available + safe + entry_amount - signed_qty * entry_price
        # A register holds the next day-close bar, so the daily resample costs one compare per bar.
        day_close_bar = next_day_close[t] if next_day_close is not None else -1

        # In position from the entry fill on. Checks start at the first bar whose prices all come after
        # the fill: the next bar for a close fill, the fill bar itself for an open fill.
        if next_open is None:
            equity = equity_base + signed_qty * price
            peak_equity, peak_bar, min_equity_to_peak, drawdown_check_ratio, longest_gap = track_drawdown(
                equity, t, peak_equity, peak_bar, min_equity_to_peak, drawdown_check_ratio, longest_gap
            )
            if t == day_close_bar:
                record_day_close(acc, equity)
                day_close_bar = next_day_close[t + 1] if next_day_close is not None else -1
            if equity_out is not None:
                equity_out[t] = equity
            t += 1
        exit_reason = -1
        exit_price = 0.0
        decided_at = t
        worst_prices = best_prices = worst_blocks = best_blocks = close  # replaced below for intrabar stops
        if intrabar is not None:
            worst_prices = intrabar[2] if side > 0 else intrabar[1]
            best_prices = intrabar[1] if side > 0 else intrabar[2]
            worst_blocks = intrabar[3] if side > 0 else intrabar[4]
            best_blocks = intrabar[4] if side > 0 else intrabar[3]
        block_end = 0
        block_reaches_level = True
        while True:
            if intrabar is not None:
                if t >= block_end:
                    block = t >> STOP_BLOCK_SHIFT
                    block_end = (block + 1) << STOP_BLOCK_SHIFT
                    block_reaches_level = (
                        side * worst_blocks[block] <= signed_sl_level or side * best_blocks[block] >= signed_tp_level
                    )
                if block_reaches_level:
                    exit_reason, exit_price = intrabar_stop(
                        side, intrabar[0][t], worst_prices[t], best_prices[t], signed_sl_level, signed_tp_level
                    )
                    if exit_reason >= 0:
                        decided_at = t
                        break
            price = close[t]
            exit_price = price
            signed_price = side * price
            current_signal = int(signal[t])
            # `intrabar is None` is a compile-time constant: intrabar loops carry no close-stop compares.
            if intrabar is None and signed_price <= signed_sl_level:
                exit_reason = _EXIT_STOP_LOSS
            elif intrabar is None and signed_price >= signed_tp_level:
                exit_reason = _EXIT_TAKE_PROFIT
            elif current_signal != side:
                reverses = (
                    current_signal == -side
                    and t < last_bar
                    and direction_allowed(current_signal, direction_mode)
                )
                exit_reason = _EXIT_REVERSE if reverses else _EXIT_SIGNAL
            elif t == last_bar:
                exit_reason = _EXIT_END_OF_DATA
            # An open fill of a decision taken at this close comes on the next bar (none after the last).
            fills_next_bar = next_open is not None and t < last_bar
            if exit_reason < 0 or fills_next_bar:
                equity = equity_base + signed_qty * price
                peak_equity, peak_bar, min_equity_to_peak, drawdown_check_ratio, longest_gap = track_drawdown(
                    equity, t, peak_equity, peak_bar, min_equity_to_peak, drawdown_check_ratio, longest_gap
                )
                if t == day_close_bar:
                    record_day_close(acc, equity)
                    day_close_bar = next_day_close[t + 1] if next_day_close is not None else -1
                if equity_out is not None:
                    equity_out[t] = equity
                t += 1
            if exit_reason >= 0:
                decided_at = t
                if next_open is not None and fills_next_bar:
                    decided_at = t - 1
                    exit_price = next_open[t]
                break

        exit_price, exit_fee, gross_pnl, net_pnl, available, safe, win_sum, loss_sum = close_position(
            side, exit_price, qty, signed_qty, entry_price, entry_amount, entry_fee, available, safe, win_sum,
            loss_sum, lock_fraction, fee_fraction, slippage_fraction,
        )
        record_trade(acc, n_trades, net_pnl, entry_amount, entry_bar, t)
        if trades_out is not None:
            row = trades_out[n_trades]
            row[TRADE_ENTRY_BAR] = entry_bar
            row[TRADE_EXIT_BAR] = t
            row[TRADE_SIDE] = side
            row[TRADE_ENTRY_PRICE] = entry_price
            row[TRADE_EXIT_PRICE] = exit_price
            row[TRADE_QTY] = qty
            row[TRADE_ENTRY_FEE] = entry_fee
            row[TRADE_EXIT_FEE] = exit_fee
            row[TRADE_GROSS_PNL] = gross_pnl
            row[TRADE_NET_PNL] = net_pnl
            row[TRADE_ENTRY_AMOUNT] = entry_amount
            row[TRADE_EXIT_REASON] = exit_reason
            row[TRADE_ENTRY_SIGNAL_BAR] = entry_signal_bar
        n_trades += 1
        equity = available + safe
        # Flat from the exit bar on; the next entry decision may be taken at the close the exit was
        # decided at (a reversal, or a stop followed by a new edge).
        flat_from = t
        t = decided_at

    write_metrics(
        metrics_out,
        acc,
        equity,
        init_cash,
        min_equity_to_peak,
        longest_drawdown(longest_gap, peak_bar, last_bar),
        n_trades,
        win_sum,
        loss_sum,
        n,
        days_per_year,
    )
    return n_trades


@njit(**_KERNEL_OPTIONS)
def simulate_close_fill_recorded(
    close: npt.NDArray[np.float64],
    signal: npt.NDArray[np.int8],
    sl_pct: float,
    tp_pct: float,
    direction_mode: int,
    sizing_mode: int,
    init_cash: float,
    fixed_quote: float,
    safe_profit_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
    next_open: npt.NDArray[np.float64] | None,
    intrabar: IntrabarArrays | None,
    day_closes: IntArray | None,
    next_day_close: IntArray | None,
    days_per_year: float,
    metrics_out: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Counts the trades first so the recording pass writes into exactly sized buffers; returns
    (trades, equity) and fills `metrics_out`."""
    n_trades = simulate_close_fill(
        close, signal, sl_pct, tp_pct, direction_mode, sizing_mode, init_cash, fixed_quote,
        safe_profit_fraction, fee_fraction, slippage_fraction, None, None, next_open, intrabar,
        day_closes, next_day_close, days_per_year, metrics_out,
    )
    trades = np.empty((n_trades, TRADE_FIELDS), dtype=np.float64)
    equity = np.empty(close.shape[0], dtype=np.float64)
    simulate_close_fill(
        close, signal, sl_pct, tp_pct, direction_mode, sizing_mode, init_cash, fixed_quote,
        safe_profit_fraction, fee_fraction, slippage_fraction, trades, equity, next_open, intrabar,
        day_closes, next_day_close, days_per_year, metrics_out,
    )
    return trades, equity


def trade_log_from_buffer(trades: npt.NDArray[np.float64]) -> TradeLog:
    """Columns of the engine's trade buffer as typed arrays."""

    def ints(column: int) -> npt.NDArray[np.int64]:
        return trades[:, column].astype(np.int64)

    def floats(column: int) -> npt.NDArray[np.float64]:
        return np.ascontiguousarray(trades[:, column])

    return TradeLog(
        entry_bar=ints(TRADE_ENTRY_BAR),
        exit_bar=ints(TRADE_EXIT_BAR),
        side=ints(TRADE_SIDE),
        entry_price=floats(TRADE_ENTRY_PRICE),
        exit_price=floats(TRADE_EXIT_PRICE),
        qty=floats(TRADE_QTY),
        entry_fee=floats(TRADE_ENTRY_FEE),
        exit_fee=floats(TRADE_EXIT_FEE),
        gross_pnl=floats(TRADE_GROSS_PNL),
        net_pnl=floats(TRADE_NET_PNL),
        entry_amount=floats(TRADE_ENTRY_AMOUNT),
        exit_reason=ints(TRADE_EXIT_REASON),
        entry_signal_bar=ints(TRADE_ENTRY_SIGNAL_BAR),
    )
