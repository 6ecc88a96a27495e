"""Walk-forward pieces: the fold windows, the stitched out-of-sample record, efficiency and how often
each axis value was chosen. The use case (`use_cases/run_walk_forward.py`) runs one independent
staged search per train window; nothing here sees more than the window it is given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest, TimeRange
from trading.contexts.backtest.application.dto.validation import WalkForwardFold, WalkForwardValidation

# The engine's own rule for the four ranking metrics from running sums (one definition, not a copy).
from trading.contexts.backtest.application.services.close_fill_metrics import replayed_metrics
from trading.contexts.backtest.domain.entities.trade_log import TradeLog
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.execution import RankingMetrics
from trading.contexts.market_data.domain.timeline import TIMEFRAMES
from trading.shared.errors import DomainError, ErrorDetail

_MONEY_FIELDS = ("qty", "entry_fee", "exit_fee", "gross_pnl", "net_pnl", "entry_amount")
_BAR_FIELDS = ("entry_bar", "exit_bar", "entry_signal_bar")


@dataclass(frozen=True)
class FoldWindow:
    train: TimeRange
    test: TimeRange


def _bars(value: int | float, total: int) -> int:
    return value if isinstance(value, int) else int(value * total)


def fold_windows(request: RunBacktestRequest, validation: WalkForwardValidation) -> list[FoldWindow]:
    """Windows on the timeframe's bar grid from the time range's start; 422 naming the bar counts when
    the folds do not fit."""
    bar_ms = TIMEFRAMES.get(request.timeframe)
    if bar_ms is None:
        raise DomainError(
            "validation_error",
            f"unknown timeframe {request.timeframe!r}",
            details=[ErrorDetail("timeframe", "invalid_value", f"one of {', '.join(TIMEFRAMES)}")],
        )
    start_ms, end_ms = request.time_range.start_ms, request.time_range.end_ms
    total = (end_ms - start_ms) // bar_ms
    train, test = _bars(validation.train, total), _bars(validation.test, total)
    needed = train + validation.folds * test
    if train < 1 or test < 1 or needed > total:
        message = (
            f"{validation.folds} folds of {test:,} test bars after {train:,} train bars need {needed:,} bars; "
            f"the time range has {total:,} {request.timeframe} bars"
        )
        raise DomainError(
            "validation_error",
            "walk-forward folds do not fit the time range",
            details=[ErrorDetail("validation.folds", "out_of_bounds", message)],
        )

    def at(bar: int) -> datetime:
        return datetime.fromtimestamp((start_ms + bar * bar_ms) / 1000, tz=UTC)

    windows = []
    for fold in range(validation.folds):
        test_start = train + fold * test
        train_start = 0 if validation.anchored else fold * test
        windows.append(
            FoldWindow(
                TimeRange(start=at(train_start), end=at(test_start)),
                TimeRange(start=at(test_start), end=at(test_start + test)),
            )
        )
    return windows


def stitch(parts: Sequence[VariantScoreDetails]) -> VariantScoreDetails:
    """The test windows back to back, compounded: every part is scaled so it starts from the previous
    part's end equity (its money columns scaled alike, prices kept); metrics by the engine's rule."""
    init_cash = parts[0].execution.init_cash_quote
    factors = [1.0]
    for part in parts[:-1]:
        factors.append(factors[-1] * float(part.equity[-1]) / init_cash)
    offsets = np.cumsum([0] + [part.equity.shape[0] for part in parts[:-1]])
    columns: dict[str, np.ndarray] = {}
    for name in TradeLog.__dataclass_fields__:
        pieces = []
        for part, factor, offset in zip(parts, factors, offsets, strict=True):
            column = getattr(part.trades, name)
            pieces.append(
                column * factor if name in _MONEY_FIELDS else column + offset if name in _BAR_FIELDS else column
            )
        columns[name] = np.concatenate(pieces)
    trades = TradeLog(**columns)
    equity = np.concatenate([part.equity * factor for part, factor in zip(parts, factors, strict=True)])
    ts_ms = np.concatenate([part.ts_ms for part in parts])
    metrics = replayed_metrics(
        ts_ms,
        equity,
        trades.net_pnl,
        trades.entry_amount,
        trades.entry_bar,
        trades.exit_bar,
        init_cash,
        parts[0].execution.annualization_days,
    )
    return VariantScoreDetails(
        ts_ms=ts_ms,
        close=np.concatenate([part.close for part in parts]),
        equity=equity,
        trades=trades,
        metrics=RankingMetrics(*(float(value) for value in metrics)),
        execution=parts[0].execution,
    )


def efficiency(folds: Sequence[WalkForwardFold], train_bars: Sequence[int], test_bars: Sequence[int]) -> float | None:
    """Out-of-sample total return per test bar over in-sample total return per train bar (folds with a
    choice); None when the in-sample rate is not positive or a return is missing."""
    is_returns = [f.in_sample.get("total_return_pct") for f in folds]
    oos_returns = [f.out_of_sample.get("total_return_pct") for f in folds]
    if not folds or any(r is None for r in is_returns + oos_returns):
        return None
    in_rate = sum(r for r in is_returns if r is not None) / sum(train_bars)
    out_rate = sum(r for r in oos_returns if r is not None) / sum(test_bars)
    return out_rate / in_rate if in_rate > 0 else None


def parameter_frequencies(folds: Sequence[WalkForwardFold]) -> dict[str, dict[str, int]]:
    """Per axis with more than one value chosen or offered, how many folds chose each value."""
    counts: dict[str, Counter[str]] = {}
    for fold in folds:
        for name, value in fold.params.items():
            counts.setdefault(name, Counter())["off" if value is None else str(value)] += 1
    return {name: dict(sorted(counter.items())) for name, counter in counts.items()}
