"""A slow, literal reading of engine.md section 4 and realism.md section 1 in plain Python (one bar at a
time: the open, the range, the close), used as an independent model of the numba state machine in
property tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams

ALLOWED = {"long_only": {1}, "short_only": {-1}, "long_short": {1, -1}}
FloatArray = npt.NDArray[np.float64]


@dataclass
class ReferenceResult:
    trades: list[tuple[int, int, int, str]] = field(default_factory=list)  # entry, exit, side, reason
    net_pnl: list[float] = field(default_factory=list)
    exit_price: list[float] = field(default_factory=list)
    equity: list[float] = field(default_factory=list)


@dataclass
class _Position:
    side: int
    entry: float
    qty: float
    amount: float
    fee: float
    bar: int


def _stop_levels(position: _Position, risk: RiskParams) -> tuple[float | None, float | None]:
    side, entry = position.side, position.entry
    sl = None if risk.sl_pct is None else entry * (1 - side * risk.sl_pct / 100)
    tp = None if risk.tp_pct is None else entry * (1 + side * risk.tp_pct / 100)
    return sl, tp


def _touched(side: int, price: float, level: float | None, against: bool) -> bool:
    """`against`: the level lies on the losing side (a stop-loss)."""
    if level is None:
        return False
    below = price <= level
    above = price >= level
    return (below if side > 0 else above) if against else (above if side > 0 else below)


def reference_close_fill(
    close: FloatArray,
    signal: npt.NDArray[np.int8],
    risk: RiskParams,
    execution: ExecutionParams,
    bar_range: tuple[FloatArray, FloatArray, FloatArray] | None = None,
) -> ReferenceResult:
    fee = execution.fee_pct / 100
    slip = execution.slippage_pct / 100
    allowed = ALLOWED[execution.direction_mode]
    open_, high, low = bar_range if bar_range is not None else (close, close, close)
    next_open = execution.fill == "next_open"
    intrabar = execution.stop_mode == "intrabar"
    result = ReferenceResult()
    available, safe = execution.init_cash_quote, 0.0
    position: _Position | None = None
    pending_exit: str | None = None
    pending_entry = 0
    last = len(close) - 1

    def exit_at(t: int, price: float, reason: str) -> None:
        nonlocal available, safe, position
        assert position is not None
        side = position.side
        fill = price * (1 - side * slip)
        exit_fee = position.qty * fill * fee
        gross = side * position.qty * (fill - position.entry)
        net = gross - position.fee - exit_fee
        available += position.amount + gross - exit_fee
        if net > 0 and execution.sizing_mode == "strategy_compound_profit_lock":
            available -= net * execution.safe_profit_percent / 100
            safe += net * execution.safe_profit_percent / 100
        result.trades.append((position.bar, t, side, reason))
        result.net_pnl.append(net)
        result.exit_price.append(fill)
        position = None

    def enter_at(t: int, price: float, side: int) -> None:
        nonlocal available, position
        budget = available
        if execution.sizing_mode == "fixed_quote":
            budget = min(available, execution.fixed_quote)
        if budget > 0:
            fill = price * (1 + side * slip)
            qty = budget / (fill * (1 + fee))
            position = _Position(side, fill, qty, qty * fill, qty * fill * fee, t)
            available -= qty * fill + qty * fill * fee

    for t in range(len(close)):
        # The open: orders decided at the previous close fill here.
        if pending_exit is not None:
            exit_at(t, open_[t], pending_exit)
            pending_exit = None
        if pending_entry:
            enter_at(t, open_[t], pending_entry)
            pending_entry = 0
        # The range: intrabar stops of a position filled before it.
        if intrabar and position is not None and position.bar < t + (1 if next_open else 0):
            sl, tp = _stop_levels(position, risk)
            side = position.side
            worst, best = (low[t], high[t]) if side > 0 else (high[t], low[t])
            if _touched(side, worst, sl, against=True):
                assert sl is not None
                exit_at(t, open_[t] if _touched(side, open_[t], sl, against=True) else sl, "stop_loss")
            elif _touched(side, best, tp, against=False):
                assert tp is not None
                exit_at(t, open_[t] if _touched(side, open_[t], tp, against=False) else tp, "take_profit")
        # The close: decisions; with next-open fills they execute at the next open (none after the last).
        price, current = close[t], int(signal[t])
        previous = int(signal[t - 1]) if t > 0 else 0
        reason = None
        if position is not None and (position.bar < t or next_open):
            side = position.side
            sl, tp = _stop_levels(position, risk)
            if not intrabar and _touched(side, price, sl, against=True):
                reason = "stop_loss"
            elif not intrabar and _touched(side, price, tp, against=False):
                reason = "take_profit"
            elif current != side:
                reverses = current == -side and current in allowed and t < last
                reason = "reverse" if reverses else "signal"
            elif t == last:
                reason = "end_of_data"
        if reason is not None:
            if next_open and t < last:
                pending_exit = reason
            else:
                exit_at(t, price, reason)
        flat_after_decisions = position is None or pending_exit is not None
        if flat_after_decisions and t < last and current != previous and current in allowed:
            if next_open:
                pending_entry = current
            else:
                enter_at(t, price, current)
        value = 0.0
        if position is not None:
            value = position.amount + position.side * position.qty * (price - position.entry)
        result.equity.append(available + safe + value)
    return result
