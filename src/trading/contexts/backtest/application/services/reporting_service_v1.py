"""Variant report from the details path: metrics table rows, Markdown table, trade list and a
plot-sized equity curve.

Times are fill times, kept beside the bar indices: equity is taken at each bar's close (bar open +
`bar_ms`); a close fill happens at its bar's close, a next-open fill at its bar's open. A stop hit
inside a bar (intrabar mode) and the forced close on the last bar are stamped at that bar's close.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from trading.contexts.backtest.application.services.report_table_formatter import (
    ReportRow,
    iso_utc,
    markdown_table,
    metric_rows,
)
from trading.contexts.backtest.domain.entities.trade_log import EXIT_REASON_NAMES, ExitReason, TradeLog
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.services.equity_downsampling import min_max_downsample_indices
from trading.contexts.backtest.domain.services.report_metrics import compute_report_metrics
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams

MAX_EQUITY_POINTS = 2_000


@dataclass(frozen=True)
class VariantReport:
    """`trades` is None when the caller did not ask for trades; `equity` holds `ts_ms` and `equity`
    lists of equal length."""

    rows: list[ReportRow]
    table_md: str
    trades: list[dict[str, Any]] | None
    equity: dict[str, list[Any]]


def fill_offsets(trades: TradeLog, execution: ExecutionParams, bar_ms: int) -> tuple[int, np.ndarray]:
    """Milliseconds from the open of `entry_bar` / `exit_bar` to the fill: one bar for close fills,
    none for next-open fills (whose end-of-data and intrabar-stop exits still happen in the bar)."""
    if execution.fill == "close":
        return bar_ms, np.full(len(trades), bar_ms, dtype=np.int64)
    in_bar = trades.exit_reason == ExitReason.END_OF_DATA
    if execution.stop_mode != "close":
        in_bar |= np.isin(trades.exit_reason, (ExitReason.STOP_LOSS, ExitReason.TAKE_PROFIT))
    return 0, np.where(in_bar, bar_ms, 0)


def trade_rows(
    trades: TradeLog, ts_ms: np.ndarray, execution: ExecutionParams, bar_ms: int, limit: int | None = None
) -> list[dict[str, Any]]:
    """Trades in time order as JSON-ready dicts; `limit` keeps the first `limit` of them. `entry_time` and
    `exit_time` are fill times (`fill_offsets`), `entry_bar` / `exit_bar` the bars they fall in."""
    count = len(trades) if limit is None else min(limit, len(trades))
    entry_offset, exit_offsets = fill_offsets(trades, execution, bar_ms)
    return_pct = trades.return_pct
    fees = trades.fees
    return [
        {
            "entry_time": iso_utc(int(ts_ms[trades.entry_bar[i]]) + entry_offset),
            "exit_time": iso_utc(int(ts_ms[trades.exit_bar[i]] + exit_offsets[i])),
            "entry_bar": int(trades.entry_bar[i]),
            "exit_bar": int(trades.exit_bar[i]),
            "side": "long" if trades.side[i] > 0 else "short",
            "entry_price": float(trades.entry_price[i]),
            "exit_price": float(trades.exit_price[i]),
            "qty": float(trades.qty[i]),
            "fees": float(fees[i]),
            "gross_pnl": float(trades.gross_pnl[i]),
            "net_pnl": float(trades.net_pnl[i]),
            "return_pct": float(return_pct[i]),
            "exit_reason": EXIT_REASON_NAMES[int(trades.exit_reason[i])],
            "entry_signal_bar": int(trades.entry_signal_bar[i]),
        }
        for i in range(count)
    ]


def equity_points(
    details: VariantScoreDetails, bar_ms: int, max_points: int = MAX_EQUITY_POINTS
) -> dict[str, list[Any]]:
    """Equity and the buy & hold benchmark (init cash in the asset at the first close, no costs) at the
    same downsampled bars, so a chart can overlay them; `ts_ms` is each bar's close."""
    keep = min_max_downsample_indices(details.equity, max_points)
    benchmark = details.execution.init_cash_quote * details.close[keep] / details.close[0]
    return {
        "ts_ms": [int(ts) + bar_ms for ts in details.ts_ms[keep]],
        "equity": [float(value) for value in details.equity[keep]],
        "benchmark": [float(value) for value in benchmark],
    }


def build_variant_report(
    details: VariantScoreDetails,
    *,
    start_ms: int,
    end_ms: int,
    bar_ms: int,
    include_trades: bool = True,
    trades_limit: int | None = None,
    max_equity_points: int = MAX_EQUITY_POINTS,
) -> VariantReport:
    """`start_ms` / `end_ms`: the request's half-open time range (Start, End and Duration rows);
    `bar_ms`: the timeframe's bar length (fill time = bar open + `bar_ms`)."""
    rows = metric_rows(compute_report_metrics(details, start_ms, end_ms))
    return VariantReport(
        rows=rows,
        table_md=markdown_table(rows),
        trades=trade_rows(details.trades, details.ts_ms, details.execution, bar_ms, trades_limit)
        if include_trades
        else None,
        equity=equity_points(details, bar_ms, max_equity_points),
    )
