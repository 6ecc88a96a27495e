"""Stage B's shared walk (issue 18): the risk variants of one base variant trade the same signal row, so
one pass over the bars updates all of them ("lanes"), instead of one walk per variant. Each lane runs
the engine's state machine in every execution mode (close or intrabar stops, close or next-open
fills), event for event in the engine's order (the same helpers, the same running sums), so its
metrics equal `simulate_close_fill`'s bit for bit; `score_block_metric` stays the reference."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from trading.contexts.backtest.application.services.close_fill_engine import (
    DRAWDOWN_CHECK_SLACK,
    IntrabarArrays,
    close_position,
    direction_allowed,
    drawdown_step,
    entry_budget,
    flat_drawdown,
    flat_stretch,
    intrabar_stop,
    longest_drawdown,
    next_change,
    open_position,
)
from trading.contexts.backtest.application.services.close_fill_metrics import (
    new_lane_accumulators,
    record_day_close,
    record_flat_day_closes,
    record_lane_trades,
    write_metrics,
)
from trading.contexts.backtest.domain.value_objects.execution import SizingMode

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_PROFIT_LOCK = int(SizingMode.STRATEGY_COMPOUND_PROFIT_LOCK)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _mark_held_lanes(
    t: int,
    price: float,
    current_signal: int,
    is_last_bar: bool,
    marks_exits: bool,
    held: npt.NDArray[np.bool_],
    stopped: npt.NDArray[np.bool_],
    side: IntArray,
    sl_level: FloatArray,
    tp_level: FloatArray,
    equity_base: FloatArray,
    signed_qty: FloatArray,
    peak_equity: FloatArray,
    peak_bar: IntArray,
    min_ratio: FloatArray,
    check_ratio: FloatArray,
    longest_gap: IntArray,
    exiting: npt.NDArray[np.bool_],
    lane_equity: FloatArray,
) -> bool:
    """The held bar of every lane in one branch-free pass (selects only, so the compiler can vectorise
    it): a held lane that exits (stopped inside the bar, or SL, TP, the signal, the last bar at this
    close) is marked in `exiting` and left as it is, unless `marks_exits` (an exit that fills at the next
    open holds through this close) and it was not `stopped`; every other held lane marks its equity and
    runs `track_drawdown`'s update (`drawdown_step`). Returns whether any lane exits."""
    any_exit = False
    for k in range(held.shape[0]):
        lane_side = side[k]
        signed_price = lane_side * price
        exits = held[k] & (
            stopped[k]
            | (signed_price <= sl_level[k])
            | (signed_price >= tp_level[k])
            | (current_signal != lane_side)
            | is_last_bar
        )
        marks = held[k] & (~exits | (marks_exits & ~stopped[k]))
        exiting[k] = exits
        any_exit |= exits
        equity = equity_base[k] + signed_qty[k] * price
        lane_equity[k] = equity
        peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k] = drawdown_step(
            marks, equity, t, peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k]
        )
    return any_exit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _intrabar_stops(
    t: int,
    intrabar: IntrabarArrays,
    held: npt.NDArray[np.bool_],
    side: IntArray,
    sl_level: FloatArray,
    tp_level: FloatArray,
    stopped: npt.NDArray[np.bool_],
    stop_price: FloatArray,
) -> None:
    """The engine's intrabar check of bar t for every held lane (`intrabar_stop`, SL before TP), in one
    pass of selects: whether a level was touched inside the bar, and the fill price before slippage."""
    bar_open, high, low = intrabar[0][t], intrabar[1][t], intrabar[2][t]
    for k in range(held.shape[0]):
        lane_side = side[k]
        worst = low if lane_side > 0 else high
        best = high if lane_side > 0 else low
        reason, price = intrabar_stop(lane_side, bar_open, worst, best, sl_level[k], tp_level[k])
        stopped[k] = held[k] & (reason >= 0)
        stop_price[k] = price if held[k] else 0.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _exit_lanes(
    t: int,
    fill_bar: int,
    fill_price: float,
    lock_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
    exiting: npt.NDArray[np.bool_],
    stopped: npt.NDArray[np.bool_],
    stop_price: FloatArray,
    held: npt.NDArray[np.bool_],
    side: IntArray,
    qty: FloatArray,
    signed_qty: FloatArray,
    entry_price: FloatArray,
    entry_amount: FloatArray,
    entry_fee: FloatArray,
    entry_bar: IntArray,
    available: FloatArray,
    safe: FloatArray,
    win_sum: FloatArray,
    loss_sum: FloatArray,
    n_trades: IntArray,
    equity: FloatArray,
    flat_from: IntArray,
    acc: FloatArray,
    net_pnl: FloatArray,
    growth: FloatArray,
) -> int:
    """Closes every `exiting` lane at this bar's fill (a stopped lane at its stop, bar t) and records its
    trade. Passes of selects over all lanes (a signal flip closes them all on one bar, so their divisions
    run side by side). Returns the number of lanes closed."""
    closed = 0
    for k in range(held.shape[0]):
        closes = exiting[k]
        exit_price = stop_price[k] if stopped[k] else fill_price
        _, _, _, pnl, cash, locked, wins, losses = close_position(
            side[k], exit_price, qty[k], signed_qty[k], entry_price[k], entry_amount[k], entry_fee[k], available[k],
            safe[k], win_sum[k], loss_sum[k], lock_fraction, fee_fraction, slippage_fraction,
        )
        net_pnl[k] = pnl
        # The exit bar is the lane's flat-from bar from now on, which is where the trade record reads it.
        flat_from[k] = (t if stopped[k] else fill_bar) if closes else flat_from[k]
        available[k] = cash if closes else available[k]
        safe[k] = locked if closes else safe[k]
        win_sum[k] = wins if closes else win_sum[k]
        loss_sum[k] = losses if closes else loss_sum[k]
        equity[k] = cash + locked if closes else equity[k]
        side[k] = 0 if closes else side[k]
        held[k] = held[k] & ~closes
        closed += 1 if closes else 0
    record_lane_trades(acc, exiting, n_trades, net_pnl, entry_amount, entry_bar, flat_from, growth)
    for k in range(held.shape[0]):
        n_trades[k] += 1 if exiting[k] else 0
        exiting[k] = False  # the marking pass, which rewrites it, is skipped while every lane is flat
        stopped[k] = False
    return closed


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _open_lanes(
    fill_bar: int,
    fill_price: float,
    new_side: int,
    sizing_mode: int,
    fixed_quote: float,
    fee_fraction: float,
    slippage_fraction: float,
    sl_fraction: FloatArray,
    tp_fraction: FloatArray,
    held: npt.NDArray[np.bool_],
    available: FloatArray,
    safe: FloatArray,
    side: IntArray,
    qty: FloatArray,
    signed_qty: FloatArray,
    entry_price: FloatArray,
    entry_amount: FloatArray,
    entry_fee: FloatArray,
    entry_bar: IntArray,
    sl_level: FloatArray,
    tp_level: FloatArray,
    equity_base: FloatArray,
    entering: npt.NDArray[np.bool_],
) -> int:
    """On an entry edge, every flat lane with a budget opens `new_side` at the fill: one pass of selects
    over all lanes (they all enter on the same bar, so their divisions run side by side). `entering`
    tells which lanes entered; returns how many."""
    entered = 0
    for k in range(held.shape[0]):
        budget = entry_budget(available[k], sizing_mode, fixed_quote)
        enters = ~held[k] & (budget > 0.0)
        opened = open_position(
            new_side, fill_price, budget, available[k], sl_fraction[k], tp_fraction[k], fee_fraction, slippage_fraction
        )
        entry_price[k] = opened[0] if enters else entry_price[k]
        qty[k] = opened[1] if enters else qty[k]
        signed_qty[k] = opened[2] if enters else signed_qty[k]
        entry_amount[k] = opened[3] if enters else entry_amount[k]
        entry_fee[k] = opened[4] if enters else entry_fee[k]
        available[k] = opened[5] if enters else available[k]
        sl_level[k] = opened[6] if enters else sl_level[k]
        tp_level[k] = opened[7] if enters else tp_level[k]
        base = available[k] + safe[k] + entry_amount[k] - signed_qty[k] * entry_price[k]
        equity_base[k] = base if enters else equity_base[k]
        side[k] = new_side if enters else side[k]
        entry_bar[k] = fill_bar if enters else entry_bar[k]
        held[k] = held[k] | enters
        entering[k] = enters
        entered += 1 if enters else 0
    return entered


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _entry_drawdowns(
    t: int,
    fill_bar: int,
    price: float,
    marks_entry_bar: bool,
    entering: npt.NDArray[np.bool_],
    equity: FloatArray,
    flat_from: IntArray,
    equity_base: FloatArray,
    signed_qty: FloatArray,
    peak_equity: FloatArray,
    peak_bar: IntArray,
    min_ratio: FloatArray,
    check_ratio: FloatArray,
    longest_gap: IntArray,
    entry_equity: FloatArray,
) -> None:
    """The drawdown updates of the lanes that just entered, in one pass of selects: their flat stretch up
    to the fill (`flat_drawdown`), then, with `marks_entry_bar` (a close fill), the
    equity marked at this close, which is left in `entry_equity`."""
    for k in range(entering.shape[0]):
        enters = entering[k]
        stretch = enters & (fill_bar > flat_from[k])
        peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k] = flat_drawdown(
            stretch, equity[k], flat_from[k], fill_bar, peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k],
            longest_gap[k],
        )
        marked = equity_base[k] + signed_qty[k] * price
        entry_equity[k] = marked
        peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k] = drawdown_step(
            enters & marks_entry_bar, marked, t, peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k],
            longest_gap[k],
        )


@njit(cache=True, nogil=True, error_model="numpy")
def _walk_lanes(
    close: FloatArray,
    signal: npt.NDArray[np.int8],
    sl_pct: FloatArray,
    tp_pct: FloatArray,
    direction_mode: int,
    sizing_mode: int,
    init_cash: float,
    fixed_quote: float,
    safe_profit_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
    next_open: FloatArray | None,
    intrabar: IntrabarArrays | None,
    day_closes: IntArray | None,
    next_day_close: IntArray | None,
    days_per_year: float,
    out: FloatArray,
) -> None:
    """Lane k trades `signal` with stops `sl_pct[k]` / `tp_pct[k]` and writes its metrics to `out[k]`.
    Per bar and lane: a held lane checks SL, TP, the signal and the last bar at the close (any of them
    exits at that close) or else marks its equity; a flat lane (also one that just exited) enters on the
    row's entry edge when it has a budget, after closing its flat stretch like the engine does. With
    `next_open` (the open prices) both fills of a decision taken at close t come at the open of t + 1,
    except an exit decided on the last bar, which fills at that close; the lane is settled at once, at
    the fill bar and price the engine uses, since nothing else can touch it before that open. With
    `intrabar` (`intrabar_arrays`) the stops are checked inside every held bar before its close instead
    of at the close; a lane stopped there exits at that bar and price."""
    n = close.shape[0]
    last_bar = n - 1
    lanes = sl_pct.shape[0]
    lock_fraction = safe_profit_fraction if sizing_mode == _PROFIT_LOCK else 0.0
    sl_fraction = sl_pct / 100.0
    tp_fraction = tp_pct / 100.0
    held = np.zeros(lanes, dtype=np.bool_)
    side = np.zeros(lanes, dtype=np.int64)
    qty = np.zeros(lanes)
    signed_qty = np.zeros(lanes)
    entry_price = np.zeros(lanes)
    entry_amount = np.zeros(lanes)
    entry_fee = np.zeros(lanes)
    equity_base = np.zeros(lanes)
    sl_level = np.zeros(lanes)
    tp_level = np.zeros(lanes)
    entry_bar = np.zeros(lanes, dtype=np.int64)
    flat_from = np.zeros(lanes, dtype=np.int64)
    available = np.full(lanes, init_cash)
    safe = np.zeros(lanes)
    n_trades = np.zeros(lanes, dtype=np.int64)
    win_sum = np.zeros(lanes)
    loss_sum = np.zeros(lanes)
    equity = np.full(lanes, init_cash)
    peak_equity = np.full(lanes, -math.inf)
    peak_bar = np.full(lanes, -1, dtype=np.int64)
    min_ratio = np.ones(lanes)
    check_ratio = np.full(lanes, DRAWDOWN_CHECK_SLACK)
    longest_gap = np.zeros(lanes, dtype=np.int64)
    acc = new_lane_accumulators(lanes)

    exiting = np.zeros(lanes, dtype=np.bool_)
    lane_equity = np.zeros(lanes)
    stopped = np.zeros(lanes, dtype=np.bool_)
    stop_price = np.zeros(lanes)
    net_pnl = np.zeros(lanes)
    growth = np.zeros(lanes)
    entering = np.zeros(lanes, dtype=np.bool_)
    entry_equity = np.zeros(lanes)
    # The levels the close checks: the stop levels, or never-hit NaN where the stops are intrabar.
    close_sl_level = sl_level if intrabar is None else np.full(lanes, np.nan)
    close_tp_level = tp_level if intrabar is None else np.full(lanes, np.nan)
    n_held = 0
    previous_signal = 0
    flat_until = 0  # all lanes flat and the signal unchanged before this bar: nothing to do there
    for t in range(n):
        if t < flat_until:
            continue
        if n_held == 0:
            flat_until = next_change(signal, t, last_bar, previous_signal)
            if flat_until > t:
                continue
        price = close[t]
        current_signal = int(signal[t])
        entry_edge = (
            t < last_bar and current_signal != previous_signal and direction_allowed(current_signal, direction_mode)
        )
        previous_signal = current_signal
        # An open fill of a decision taken at this close comes on the next bar (none after the last).
        fills_next_bar = next_open is not None and t < last_bar
        if intrabar is not None and n_held > 0:
            _intrabar_stops(t, intrabar, held, side, sl_level, tp_level, stopped, stop_price)
        # All lanes flat (most of a sparse row's bars): nothing to mark, only the entry edge matters.
        any_exit = n_held > 0 and _mark_held_lanes(
            t, price, current_signal, t == last_bar, fills_next_bar, held, stopped, side, close_sl_level,
            close_tp_level, equity_base, signed_qty, peak_equity, peak_bar, min_ratio, check_ratio, longest_gap,
            exiting, lane_equity,
        )
        if n_held > 0 and next_day_close is not None and next_day_close[t] == t:
            for k in range(lanes):
                if held[k] and ((fills_next_bar and not stopped[k]) or not exiting[k]):
                    record_day_close(acc[:, k], lane_equity[k])
        if not (any_exit or entry_edge):
            continue
        fill_bar = t
        fill_price = price
        if next_open is not None and fills_next_bar:
            fill_bar = t + 1
            fill_price = next_open[fill_bar]
        if any_exit:
            n_held -= _exit_lanes(
                t, fill_bar, fill_price, lock_fraction, fee_fraction, slippage_fraction, exiting, stopped, stop_price,
                held, side, qty, signed_qty, entry_price, entry_amount, entry_fee, entry_bar, available, safe, win_sum,
                loss_sum, n_trades, equity, flat_from, acc, net_pnl, growth,
            )
        if not entry_edge:
            continue
        n_held += _open_lanes(
            fill_bar, fill_price, current_signal, sizing_mode, fixed_quote, fee_fraction, slippage_fraction,
            sl_fraction, tp_fraction, held, available, safe, side, qty, signed_qty, entry_price, entry_amount,
            entry_fee, entry_bar, sl_level, tp_level, equity_base, entering,
        )
        _entry_drawdowns(
            t, fill_bar, price, next_open is None, entering, equity, flat_from, equity_base, signed_qty, peak_equity,
            peak_bar, min_ratio, check_ratio, longest_gap, entry_equity,
        )
        if day_closes is None or next_day_close is None:
            continue
        for k in range(lanes):
            # The day closes of the flat stretch, then (a close fill on a day's last bar) the entry close.
            if entering[k] and fill_bar > flat_from[k]:
                record_flat_day_closes(acc[:, k], equity[k], int(day_closes[fill_bar] - day_closes[flat_from[k]]))
            if entering[k] and next_open is None and next_day_close[t] == t:
                record_day_close(acc[:, k], entry_equity[k])

    for k in range(lanes):
        # Every lane is flat after the last bar; its last flat stretch runs to the end.
        if n > flat_from[k]:
            peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k] = flat_stretch(
                equity[k], flat_from[k], n, peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k],
                acc[:, k], day_closes,
            )
        write_metrics(
            out[k], np.ascontiguousarray(acc[:, k]), equity[k], init_cash, min_ratio[k],
            longest_drawdown(longest_gap[k], peak_bar[k], last_bar), n_trades[k], win_sum[k], loss_sum[k], n,
            days_per_year,
        )


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def score_bases_lanes(
    close: FloatArray,
    signals: npt.NDArray[np.int8],
    row_idx: IntArray,
    sl_pct: FloatArray,
    tp_pct: FloatArray,
    direction_mode: int,
    sizing_mode: int,
    init_cash: float,
    fixed_quote: float,
    safe_profit_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
    next_open: FloatArray | None,
    intrabar: IntrabarArrays | None,
    day_closes: IntArray | None,
    next_day_close: IntArray | None,
    days_per_year: float,
    out: FloatArray,
) -> None:
    """Base b trades `signals[row_idx[b]]` against the whole risk grid (`sl_pct`, `tp_pct`, one entry per
    risk variant); variant b * risk + r goes to `out[b * risk + r]`, like the engine's block layout."""
    n_risk = sl_pct.shape[0]
    for b in prange(row_idx.shape[0]):
        _walk_lanes(
            close, signals[row_idx[b]], sl_pct, tp_pct, direction_mode, sizing_mode, init_cash, fixed_quote,
            safe_profit_fraction, fee_fraction, slippage_fraction, next_open, intrabar, day_closes, next_day_close,
            days_per_year, out[b * n_risk : (b + 1) * n_risk],
        )
