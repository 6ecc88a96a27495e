"""Runs one hand-made variant through both scorer paths and checks they agree before returning."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from trading.contexts.backtest.application.services.close_fill_scorer_v1 import (
    score_variant_metric,
    score_variant_with_details,
)
from trading.contexts.backtest.domain.entities.trade_log import EXIT_REASON_NAMES
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams

MINUTE_MS = 60_000
FloatArray = npt.NDArray[np.float64]


def random_bar_range(rng: np.random.Generator, close: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Open near the previous close (sometimes gapping), high / low beyond both open and close."""
    previous = np.r_[close[0], close[:-1]]
    gap = np.where(rng.random(close.shape[0]) < 0.1, rng.normal(0.0, 0.03, close.shape[0]), 0.0)
    open_ = previous * np.exp(gap + rng.normal(0.0, 0.002, close.shape[0]))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.01, close.shape[0])))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.01, close.shape[0])))
    return open_, high, low


def run_case(
    close: Sequence[float],
    signal: Sequence[int],
    risk: RiskParams | None = None,
    bar_range: tuple[Sequence[float], Sequence[float], Sequence[float]] | None = None,
    **execution: Any,
) -> VariantScoreDetails:
    """`bar_range` = (open, high, low); without it every bar is flat at its close."""
    settings: dict[str, Any] = {"init_cash_quote": 1000.0, "fee_pct": 0.0, "slippage_pct": 0.0}
    settings.update(execution)
    params = ExecutionParams(**settings)
    close_array = np.asarray(close, dtype=np.float64)
    signal_array = np.asarray(signal, dtype=np.int8)
    ts_ms = np.arange(close_array.shape[0], dtype=np.int64) * MINUTE_MS
    prices = bar_range or (close, close, close)
    ohlc = tuple(np.asarray(p, dtype=np.float64) for p in prices)
    assert len(ohlc) == 3
    details = score_variant_with_details(ts_ms, close_array, signal_array, risk or RiskParams(), params, ohlc)
    metric_only = score_variant_metric(close_array, signal_array, risk or RiskParams(), params, ohlc)
    np.testing.assert_array_equal(
        np.array(list(details.metrics.as_dict().values())), np.array(list(metric_only.as_dict().values()))
    )
    return details


def exit_reasons(details: VariantScoreDetails) -> list[str]:
    return [EXIT_REASON_NAMES[int(code)] for code in details.trades.exit_reason]
