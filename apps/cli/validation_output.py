"""What `trading backtest run` prints after the top table when the request asked for validation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from trading.contexts.backtest.application.dto.validation import HoldoutSummary, WalkForwardReport

console = Console()


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def print_validation(result: HoldoutSummary | WalkForwardReport) -> None:
    if isinstance(result, HoldoutSummary):
        share = "n/a" if result.profitable_oos_share is None else f"{result.profitable_oos_share:.0%}"
        console.print(
            f"holdout: ranked on {result.in_sample_start:%Y-%m-%d %H:%M} .. {result.oos_start:%Y-%m-%d %H:%M}, "
            f"out of sample to {result.oos_end:%Y-%m-%d %H:%M}: {share} of {result.rows} rows profitable, "
            f"Spearman in vs out of sample ({result.metric}) {_fmt(result.spearman_is_oos)}"
        )
        return
    table = Table(title=f"Walk-forward ({'anchored' if result.anchored else 'rolling'}), chosen by {result.metric}")
    for column in ("fold", "train", "test", f"IS {result.metric}", "OOS return %", "chosen"):
        table.add_column(column, justify="right" if column != "chosen" else "left")
    for fold in result.folds:
        table.add_row(
            str(fold.fold),
            f"{fold.train_start:%Y-%m-%d %H:%M} .. {fold.train_end:%m-%d %H:%M}",
            f"{fold.test_start:%Y-%m-%d %H:%M} .. {fold.test_end:%m-%d %H:%M}",
            _fmt(fold.in_sample.get(result.metric)),
            _fmt(fold.out_of_sample.get("total_return_pct")),
            " ".join(f"{name}={'off' if value is None else value}" for name, value in fold.params.items()),
        )
    console.print(table)
    stitched = result.stitched_metrics
    console.print(
        f"stitched out of sample: return {_fmt(stitched.get('total_return_pct'))} %, "
        f"max drawdown {_fmt(stitched.get('max_drawdown_pct'))} %, walk-forward efficiency {_fmt(result.efficiency)}"
    )
    for name, counts in result.parameter_frequencies.items():
        console.print(f"  {name}: " + ", ".join(f"{value} x{count}" for value, count in counts.items()))
