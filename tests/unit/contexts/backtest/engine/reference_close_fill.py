"""A slow, literal reading of engine.md section 4 in plain Python, used as an independent model of the
numba state machine in property tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams

ALLOWED = {"long_only": {1}, "short_only": {-1}, "long_short": {1, -1}}


@dataclass
class ReferenceResult:
    trades: list[tuple[int, int, int, str]] = field(default_factory=list)  # entry, exit, side, reason
    net_pnl: list[float] = field(default_factory=list)
    equity: list[float] = field(default_factory=list)


def reference_close_fill(
    close: npt.NDArray[np.float64], signal: npt.NDArray[np.int8], risk: RiskParams, execution: ExecutionParams
) -> ReferenceResult:
    fee = execution.fee_pct / 100
    slip = execution.slippage_pct / 100
    allowed = ALLOWED[execution.direction_mode]
    result = ReferenceResult()
    available, safe = execution.init_cash_quote, 0.0
    position: dict[str, float] | None = None
    last = len(close) - 1

    def close_position(t: int, reason: str) -> None:
        nonlocal available, safe, position
        assert position is not None
        side = int(position["side"])
        fill = close[t] * (1 - side * slip)
        exit_fee = position["qty"] * fill * fee
        gross = side * position["qty"] * (fill - position["entry"])
        net = gross - position["fee"] - exit_fee
        available += position["amount"] + gross - exit_fee
        if net > 0 and execution.sizing_mode == "strategy_compound_profit_lock":
            available -= net * execution.safe_profit_percent / 100
            safe += net * execution.safe_profit_percent / 100
        result.trades.append((int(position["bar"]), t, side, reason))
        result.net_pnl.append(net)
        position = None

    for t in range(len(close)):
        price, current = close[t], int(signal[t])
        previous = int(signal[t - 1]) if t > 0 else 0
        if position is not None:
            side, entry = int(position["side"]), position["entry"]
            if risk.sl_pct is not None and (
                (side > 0 and price <= entry * (1 - risk.sl_pct / 100))
                or (side < 0 and price >= entry * (1 + risk.sl_pct / 100))
            ):
                close_position(t, "stop_loss")
            elif risk.tp_pct is not None and (
                (side > 0 and price >= entry * (1 + risk.tp_pct / 100))
                or (side < 0 and price <= entry * (1 - risk.tp_pct / 100))
            ):
                close_position(t, "take_profit")
            elif current != side:
                reverses = current == -side and current in allowed and t < last
                close_position(t, "reverse" if reverses else "signal")
        if position is None and t < last and current != previous and current in allowed:
            budget = available
            if execution.sizing_mode == "fixed_quote":
                budget = min(available, execution.fixed_quote)
            if budget > 0:
                fill = price * (1 + current * slip)
                qty = budget / (fill * (1 + fee))
                position = {"side": current, "entry": fill, "qty": qty, "amount": qty * fill,
                            "fee": qty * fill * fee, "bar": t}
                available -= qty * fill + qty * fill * fee
        if position is not None and t == last:
            close_position(t, "end_of_data")
        value = 0.0
        if position is not None:
            value = position["amount"] + position["side"] * position["qty"] * (price - position["entry"])
        result.equity.append(available + safe + value)
    return result
