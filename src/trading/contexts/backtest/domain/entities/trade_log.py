"""Closed trades of one simulated variant, stored column-wise as the engine wrote them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt


class ExitReason(IntEnum):
    SIGNAL = 0
    REVERSE = 1
    STOP_LOSS = 2
    TAKE_PROFIT = 3
    END_OF_DATA = 4


EXIT_REASON_NAMES: dict[int, str] = {
    ExitReason.SIGNAL: "signal",
    ExitReason.REVERSE: "reverse",
    ExitReason.STOP_LOSS: "stop_loss",
    ExitReason.TAKE_PROFIT: "take_profit",
    ExitReason.END_OF_DATA: "end_of_data",
}

FloatColumn = npt.NDArray[np.float64]
IntColumn = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class TradeLog:
    """One row per closed trade; bars are indices into the target slice, side is +1 long / -1 short."""

    entry_bar: IntColumn
    exit_bar: IntColumn
    side: IntColumn
    entry_price: FloatColumn
    exit_price: FloatColumn
    qty: FloatColumn
    entry_fee: FloatColumn
    exit_fee: FloatColumn
    gross_pnl: FloatColumn
    net_pnl: FloatColumn
    entry_amount: FloatColumn
    exit_reason: IntColumn
    entry_signal_bar: IntColumn

    def __len__(self) -> int:
        return int(self.entry_bar.shape[0])

    @property
    def return_pct(self) -> FloatColumn:
        """Net pnl relative to the quote amount put into the position."""
        return self.net_pnl / self.entry_amount * 100.0

    @property
    def fees(self) -> FloatColumn:
        return self.entry_fee + self.exit_fee
