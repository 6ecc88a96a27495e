"""What the details path returns for one variant: the trades, the equity curve and the ranking metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trading.contexts.backtest.domain.entities.trade_log import TradeLog
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RankingMetrics


@dataclass(frozen=True, eq=False)
class VariantScoreDetails:
    """`ts_ms`, `close` and `equity` are aligned on the target bars; `equity` is taken at each bar close."""

    ts_ms: npt.NDArray[np.int64]
    close: npt.NDArray[np.float64]
    equity: npt.NDArray[np.float64]
    trades: TradeLog
    metrics: RankingMetrics
    execution: ExecutionParams
