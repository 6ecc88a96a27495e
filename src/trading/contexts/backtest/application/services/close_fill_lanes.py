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
    IntrabarArrays,
    close_position,
    direction_allowed,
    flat_stretch,
    intrabar_stop,
    longest_drawdown,
    open_position,
    track_drawdown,
)
from trading.contexts.backtest.application.services.close_fill_metrics import (
    ACCUMULATOR_SLOTS,
    new_accumulators,
    record_day_close,
    record_trade,
    write_metrics,
)
from trading.contexts.backtest.domain.value_objects.execution import SizingMode

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_FIXED_QUOTE = int(SizingMode.FIXED_QUOTE)
_PROFIT_LOCK = int(SizingMode.STRATEGY_COMPOUND_PROFIT_LOCK)
_DRAWDOWN_CHECK_SLACK = 1.0 + 1e-12  # the engine's fresh drawdown check ratio


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
    runs `track_drawdown`'s update, written out as selects (the ratio is divided on every bar and kept
    only where the engine's pre-check would have divided). Returns whether any lane exits."""
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
        peak = peak_equity[k]
        at_peak = equity >= peak
        gap = max(longest_gap[k], t - peak_bar[k] if at_peak else 0)
        new_peak_bar = t if at_peak else peak_bar[k]
        peak = max(peak, equity)
        ratio = equity / peak
        new_low = equity < peak * check_ratio[k]
        low = min(min_ratio[k], ratio) if new_low else min_ratio[k]
        check = low * _DRAWDOWN_CHECK_SLACK if new_low else check_ratio[k]
        longest_gap[k] = gap if marks else longest_gap[k]
        peak_bar[k] = new_peak_bar if marks else peak_bar[k]
        peak_equity[k] = peak if marks else peak_equity[k]
        min_ratio[k] = low if marks else min_ratio[k]
        check_ratio[k] = check if marks else check_ratio[k]
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
    """The engine's intrabar check of bar t for every held lane (`intrabar_stop`, SL before TP): whether
    a level was touched inside the bar, and the fill price before slippage."""
    for k in range(held.shape[0]):
        reason = -1
        price = 0.0
        if held[k]:
            worst = intrabar[2] if side[k] > 0 else intrabar[1]
            best = intrabar[1] if side[k] > 0 else intrabar[2]
            reason, price = intrabar_stop(side[k], t, intrabar[0], worst, best, sl_level[k], tp_level[k])
        stopped[k] = reason >= 0
        stop_price[k] = price


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
    check_ratio = np.full(lanes, _DRAWDOWN_CHECK_SLACK)
    longest_gap = np.zeros(lanes, dtype=np.int64)
    acc = np.empty((lanes, ACCUMULATOR_SLOTS))
    for k in range(lanes):
        acc[k] = new_accumulators()

    exiting = np.zeros(lanes, dtype=np.bool_)
    lane_equity = np.zeros(lanes)
    stopped = np.zeros(lanes, dtype=np.bool_)
    stop_price = np.zeros(lanes)
    # The levels the close checks: the stop levels, or never-hit NaN where the stops are intrabar.
    close_sl_level = sl_level if intrabar is None else np.full(lanes, np.nan)
    close_tp_level = tp_level if intrabar is None else np.full(lanes, np.nan)
    n_held = 0
    previous_signal = 0
    for t in range(n):
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
            close_tp_level, equity_base,
            signed_qty, peak_equity, peak_bar, min_ratio, check_ratio, longest_gap, exiting, lane_equity,
        )
        if n_held > 0 and next_day_close is not None and next_day_close[t] == t:
            for k in range(lanes):
                if held[k] and ((fills_next_bar and not stopped[k]) or not exiting[k]):
                    record_day_close(acc[k], lane_equity[k])
        if not (any_exit or entry_edge):
            continue
        fill_bar = t
        fill_price = price
        if next_open is not None and fills_next_bar:
            fill_bar = t + 1
            fill_price = next_open[fill_bar]
        for k in range(lanes):
            if exiting[k]:
                exit_bar = t if stopped[k] else fill_bar
                exit_price = stop_price[k] if stopped[k] else fill_price
                _, _, _, net_pnl, available[k], safe[k], win_sum[k], loss_sum[k] = close_position(
                    side[k], exit_price, qty[k], signed_qty[k], entry_price[k], entry_amount[k], entry_fee[k],
                    available[k], safe[k], win_sum[k], loss_sum[k], lock_fraction, fee_fraction, slippage_fraction,
                )
                record_trade(acc[k], n_trades[k], net_pnl, entry_amount[k], entry_bar[k], exit_bar)
                n_trades[k] += 1
                equity[k] = available[k] + safe[k]
                exiting[k] = False  # the marking pass, which rewrites it, is skipped while every lane is flat
                stopped[k] = False
                held[k] = False
                n_held -= 1
                side[k] = 0
                flat_from[k] = exit_bar
            if held[k] or not entry_edge:
                continue
            budget = min(available[k], fixed_quote) if sizing_mode == _FIXED_QUOTE else available[k]
            if not budget > 0.0:
                continue
            if fill_bar > flat_from[k]:
                peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k] = flat_stretch(
                    equity[k], flat_from[k], fill_bar, peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k],
                    longest_gap[k], acc[k], day_closes,
                )
            (
                entry_price[k], qty[k], signed_qty[k], entry_amount[k], entry_fee[k], available[k], sl_level[k],
                tp_level[k],
            ) = open_position(
                current_signal, fill_price, budget, available[k], sl_fraction[k], tp_fraction[k], fee_fraction,
                slippage_fraction,
            )
            equity_base[k] = available[k] + safe[k] + entry_amount[k] - signed_qty[k] * entry_price[k]
            side[k] = current_signal
            entry_bar[k] = fill_bar
            held[k] = True
            n_held += 1
            if next_open is not None:
                continue  # the checks and marks start at the fill bar's close
            entry_equity = equity_base[k] + signed_qty[k] * price
            peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k] = track_drawdown(
                entry_equity, t, peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k]
            )
            if next_day_close is not None and next_day_close[t] == t:
                record_day_close(acc[k], entry_equity)

    for k in range(lanes):
        # Every lane is flat after the last bar; its last flat stretch runs to the end.
        if n > flat_from[k]:
            peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k], longest_gap[k] = flat_stretch(
                equity[k], flat_from[k], n, peak_equity[k], peak_bar[k], min_ratio[k], check_ratio[k],
                longest_gap[k], acc[k], day_closes,
            )
        write_metrics(
            out[k], acc[k], equity[k], init_cash, min_ratio[k], longest_drawdown(longest_gap[k], peak_bar[k], last_bar),
            n_trades[k], win_sum[k], loss_sum[k], n, days_per_year,
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
