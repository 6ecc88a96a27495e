"""Runs one hand-made variant through both scorer paths and checks they agree before returning."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from trading.contexts.backtest.application.services.close_fill_scorer_v1 import (
    score_variant_metric,
    score_variant_with_details,
)
from trading.contexts.backtest.domain.entities.trade_log import EXIT_REASON_NAMES
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams

MINUTE_MS = 60_000


def run_case(
    close: Sequence[float],
    signal: Sequence[int],
    risk: RiskParams | None = None,
    **execution: Any,
) -> VariantScoreDetails:
    settings: dict[str, Any] = {"init_cash_quote": 1000.0, "fee_pct": 0.0, "slippage_pct": 0.0}
    settings.update(execution)
    params = ExecutionParams(**settings)
    close_array = np.asarray(close, dtype=np.float64)
    signal_array = np.asarray(signal, dtype=np.int8)
    ts_ms = np.arange(close_array.shape[0], dtype=np.int64) * MINUTE_MS
    details = score_variant_with_details(ts_ms, close_array, signal_array, risk or RiskParams(), params)
    metric_only = score_variant_metric(close_array, ts_ms, signal_array, risk or RiskParams(), params)
    np.testing.assert_array_equal(
        np.array(list(details.metrics.as_dict().values())), np.array(list(metric_only.as_dict().values()))
    )
    return details


def exit_reasons(details: VariantScoreDetails) -> list[str]:
    return [EXIT_REASON_NAMES[int(code)] for code in details.trades.exit_reason]
