"""`trading backtest run REQUEST`: a staged search from the terminal with progress, the top table,
CSV/JSON export, and the full report of any rank."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Protocol

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from apps.cli.errors import guarded
from apps.cli.request_file import load_request, write_request
from apps.cli.validation_output import print_validation
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.adapters.outbound.executors.factory import open_executor
from trading.contexts.backtest.application.dto.run_backtest import (
    ConstraintRejections,
    RankedVariant,
    RunBacktestRequest,
    RunBacktestResponse,
    SameOutcome,
    VariantPayload,
    VariantReportRequest,
    VariantReportResponse,
)
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor
from trading.contexts.backtest.application.services.variant_parameters import parameter_columns
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    ProgressEvent,
    build_variant_report,
)
from trading.contexts.backtest.application.use_cases.run_walk_forward import run_search
from trading.contexts.backtest.domain.services.search_progress import overall_fraction, stage_words
from trading.contexts.backtest.domain.value_objects.execution import FillModeName, StopModeName
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_CATALOG
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import default_data_dir
from trading.contexts.market_data.domain.price_precision import price_decimals
from trading.shared.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="Run staged grid searches.")


class ExecutorChoice(StrEnum):
    local = "local"
    ray = "ray"


console = Console()
METRIC_LABELS = {info.name: info.label for info in METRIC_CATALOG}

PROGRESS_STEPS = 1_000


def search_progress() -> Progress:
    """One bar for the whole search (stage in words, elapsed, ETA); `jobs watch` shows the same."""
    return Progress(
        TextColumn("[bold]{task.description:<34}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def show_progress(progress: Progress, task: TaskID, stage: str | None, processed: int, total: int) -> None:
    fraction = overall_fraction(stage, processed, total)
    progress.update(task, description=stage_words(stage), completed=fraction * PROGRESS_STEPS)


def with_execution_modes(
    request: RunBacktestRequest, stop_mode: StopModeName | None, fill: FillModeName | None
) -> RunBacktestRequest:
    """Command-line flags win over the request file's `execution` fields."""
    overrides = {name: value for name, value in (("stop_mode", stop_mode), ("fill", fill)) if value is not None}
    if not overrides:
        return request
    return request.model_copy(update={"execution": request.execution.model_copy(update=overrides)})


def run_with_progress(
    request: RunBacktestRequest, ctx: BacktestContext, executor: SearchExecutor | None = None
) -> RunBacktestResponse:
    with search_progress() as progress:
        task = progress.add_task(stage_words("setup"), total=PROGRESS_STEPS)

        def on_progress(event: ProgressEvent) -> None:
            show_progress(progress, task, event.stage, event.processed, event.total)

        return run_search(request, ctx, progress=on_progress, executor=executor)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


class RankedRow(Protocol):
    """A ranked variant as the sync response and a job's top table both carry it."""

    rank: int
    ranking_metrics: dict[str, float | None]
    payload: VariantPayload
    same_outcome: SameOutcome | None


def _params_text(variant: RankedRow) -> str:
    """Compact: `sma(150) rsi(21; 60,40) sl 2 tp off` (`fast=sma(10) slow=sma(40) ...` for aliased
    instances, then `fast x slow` per cross rule); the source is shown only when not close."""
    payload = variant.payload
    parts = []
    for selection in payload.indicator_selections:
        values = [_short(v) for k, v in selection.inputs.items() if not (k == "source" and v == "close")]
        values += [_short(v) for v in selection.params.values()]
        signals = [_short(v) for v in payload.signal_params.get(selection.entry_name, {}).values()]
        short_id = selection.indicator_id.split(".", 1)[-1]
        named = f"{selection.alias}=" if selection.alias else ""
        parts.append(f"{named}{short_id}({','.join(values)}{'; ' + ','.join(signals) if signals else ''})")
    parts += [f"{rule.first} x {rule.second}" for rule in payload.rules]
    risk = payload.risk_params
    parts.append(
        f"sl {_fmt(risk.sl_pct, 2) if risk.sl_pct else 'off'} tp {_fmt(risk.tp_pct, 2) if risk.tp_pct else 'off'}"
    )
    return " ".join(parts)


def _short(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def top_table(response: RunBacktestResponse, limit: int) -> Table:
    ranking = response.ranking
    return ranked_rows_table(response.variants, ranking.primary_metric, ranking.secondary_metric, limit)


# The columns every top table shows; the ranking metrics join them when they are not among them.
TOP_COLUMNS: dict[str, str] = {
    "total_return_pct": "return %",
    "max_drawdown_pct": "max DD %",
    "return_over_max_drawdown": "ret/DD",
    "profit_factor": "PF",
    "num_trades": "trades",
    "win_rate_pct": "win %",
}


def top_columns(primary: str, secondary: str | None) -> dict[str, str]:
    """Metric id -> header: the ranking metrics first when they are not default columns (report labels)."""
    ranked = [name for name in (primary, secondary) if name is not None and name not in TOP_COLUMNS]
    return {**{name: METRIC_LABELS[name] for name in ranked}, **TOP_COLUMNS}


def ranked_rows_table(rows: Sequence[RankedRow], primary: str, secondary: str | None, limit: int) -> Table:
    title = f"Top {min(limit, len(rows))} by {primary}"
    if secondary:
        title += f", then {secondary}"
    table = Table(title=title)
    columns = top_columns(primary, secondary)
    table.add_column("#", justify="right")
    for header in columns.values():
        table.add_column(header, justify="right")
    collapsed = any(row.same_outcome is not None for row in rows)
    if collapsed:
        table.add_column("same", justify="right")
    table.add_column("variant", no_wrap=True)
    digits = {name: 0 if name == "num_trades" else 2 for name in columns}
    for variant in rows[:limit]:
        m = variant.ranking_metrics
        table.add_row(
            str(variant.rank),
            *(_fmt(m.get(name), digits[name]) for name in columns),
            *([_same_outcome_text(variant.same_outcome)] if collapsed else []),
            _params_text(variant),
        )
    return table


def _same_outcome_text(group: SameOutcome | None) -> str:
    """`x 9` when nine variants had this row's outcome; blank for an outcome of one variant."""
    return f"x {group.count:,}" if group is not None and group.count > 1 else ""


def export_csv(response: RunBacktestResponse, path: Path) -> None:
    """One row per ranked variant: its metrics, validation figures, one column per parameter (the
    union over the rows, blank where a row has none) and the payload the report endpoint accepts."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if not response.variants:
            writer.writerow(["rank"])
            return
        first = response.variants[0]
        extra = list(first.validation_columns())
        groups = ["same_outcome_count"] if first.same_outcome is not None else []
        parameters = [parameter_columns(v.payload) for v in response.variants]
        names = list(dict.fromkeys(name for row in parameters for name in row))
        writer.writerow(
            ["rank", "variant_index", "variant_key", *first.ranking_metrics, *groups, *extra, *names, "payload"]
        )
        for v, row_parameters in zip(response.variants, parameters, strict=True):
            columns = v.validation_columns()
            writer.writerow(
                [
                    v.rank,
                    v.variant_index,
                    v.variant_key,
                    *v.ranking_metrics.values(),
                    *([v.same_outcome.count if v.same_outcome else None] if groups else []),
                    *(columns.get(name) for name in extra),
                    *(row_parameters.get(name) for name in names),
                    v.payload.model_dump_json(),
                ]
            )


TRADE_HEADERS = {
    "entry_time": "entry",
    "exit_time": "exit",
    "side": "side",
    "entry_price": "entry px",
    "exit_price": "exit px",
    "net_pnl": "net pnl",
    "return_pct": "ret %",
    "exit_reason": "reason",
}
PRICE_FIELDS = {"entry_price", "exit_price"}


def print_wide(table: Table) -> None:
    """Tables are never squeezed into wrapped cells: a narrow terminal gets long lines instead."""
    console.print(table, width=max(console.width, console.measure(table).maximum), crop=False)


def print_report(report: VariantReportResponse, trades_limit: int) -> None:
    console.print(f"[bold]Report[/bold] variant_key={report.variant_key}")
    table = Table(show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for row in report.rows:
        table.add_row(escape(str(row["metric"])), escape(str(row["value"])))  # "[days]" is not markup
    console.print(table)
    if report.trades:
        print_wide(trades_table(report.trades[:trades_limit], report.trades_total))


def trades_table(trades: list[dict[str, Any]], total: int) -> Table:
    """Times with the year when the trades span years, else the one year in the title; prices with the
    decimals the data uses."""
    times = [str(trade[field]) for trade in trades for field in ("entry_time", "exit_time")]
    years = sorted({time[:4] for time in times})
    with_year = len(years) > 1
    decimals = price_decimals(np.array([float(trade[field]) for trade in trades for field in PRICE_FIELDS]))
    title = f"First {len(trades)} of {total} trades" + ("" if with_year else f" ({years[0]})")
    table = Table(title=title, box=None)
    for header in TRADE_HEADERS.values():
        table.add_column(header, no_wrap=True, justify="left" if header in {"entry", "exit", "side"} else "right")
    for trade in trades:
        table.add_row(
            *(_cell(trade.get(field), decimals if field in PRICE_FIELDS else 2, with_year) for field in TRADE_HEADERS)
        )
    return table


def _cell(value: Any, decimals: int, with_year: bool) -> str:
    """Times as `MM-DD HH:MM` (`YYYY-MM-DD HH:MM` across years), numbers with `decimals` decimals."""
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    text = str(value)
    if len(text) == 20 and text.endswith("Z"):
        return text[0 if with_year else 5 : 16].replace("T", " ")
    return text


def variant_at_rank(response: RunBacktestResponse, rank: int, option: str) -> RankedVariant:
    if not 1 <= rank <= len(response.variants):
        raise DomainError("validation_error", f"{option} {rank}: the result has ranks 1..{len(response.variants)}")
    return response.variants[rank - 1]


def report_for_rank(
    request: RunBacktestRequest, response: RunBacktestResponse, rank: int, ctx: BacktestContext
) -> VariantReportResponse:
    variant = variant_at_rank(response, rank, "--report")
    return build_variant_report(VariantReportRequest(run_context=request.run_context(), variant=variant.payload), ctx)


@app.command("run")
def run_command(
    request_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Request as .json or .yaml.")],
    show: Annotated[int, typer.Option(help="Rows of the top table to print.")] = 20,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the ranked top to this CSV file.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full response to this JSON file.")] = None,
    report: Annotated[int | None, typer.Option("--report", help="Print the full report of this rank.")] = None,
    export_variant: Annotated[
        Path | None,
        typer.Option(help="Write rank --export-rank as a single-variant request file (.yaml or .json)."),
    ] = None,
    export_rank: Annotated[int, typer.Option(help="The rank --export-variant writes.")] = 1,
    data_dir: Annotated[Path | None, typer.Option(help="Candle data directory.")] = None,
    stop_mode: Annotated[
        StopModeName | None, typer.Option(help="Override execution.stop_mode: close | intrabar.")
    ] = None,
    fill: Annotated[FillModeName | None, typer.Option(help="Override execution.fill: close | next_open.")] = None,
    executor: Annotated[
        ExecutorChoice, typer.Option(help="Where the shards run: in this process, or on a Ray cluster.")
    ] = ExecutorChoice.local,
    cluster: Annotated[
        str | None, typer.Option(help="Ray head HOST:PORT (default TRADING_CLUSTER_ADDRESS, then config).")
    ] = None,
) -> None:
    """Run REQUEST_FILE synchronously and print the ranked top."""

    def run() -> None:
        ctx = BacktestContext(str(data_dir or default_data_dir()), default_backtest_config())
        request = with_execution_modes(load_request(request_file), stop_mode, fill)
        search_executor = None
        if executor is ExecutorChoice.ray:
            search_executor = open_executor("ray", cluster, ctx.config.distributed)
        response = run_with_progress(request, ctx, search_executor)
        summarize(response, show)
        if csv_out:
            export_csv(response, csv_out)
            console.print(f"wrote {csv_out}")
        if json_out:
            json_out.write_text(response.model_dump_json(indent=2), encoding="utf-8")
            console.print(f"wrote {json_out}")
        if export_variant:
            variant = variant_at_rank(response, export_rank, "--export-rank")
            write_request(export_variant, request.run_context().variant_request(variant.payload))
            console.print(f"wrote {export_variant} (rank {export_rank}; re-run it with `trading backtest report`)")
        if report is not None:
            print_report(report_for_rank(request, response, report, ctx), trades_limit=10)

    guarded(run)


@app.command("report")
def report_command(
    request_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A single-variant request (.yaml or .json).")
    ],
    trades: Annotated[int, typer.Option(help="Trades to print.")] = 10,
    data_dir: Annotated[Path | None, typer.Option(help="Candle data directory.")] = None,
) -> None:
    """Recompute and print the full report of the one variant REQUEST_FILE names (e.g. an exported row)."""

    def run() -> None:
        ctx = BacktestContext(str(data_dir or default_data_dir()), default_backtest_config())
        request = load_request(request_file)
        if request.variant is None:
            raise DomainError(
                "validation_error",
                f"{request_file}: names a grid, not one variant; export a row with `backtest run --export-variant` "
                "or the web UI's 'Export variant'",
            )
        body = VariantReportRequest(run_context=request.run_context(), variant=request.variant)
        print_report(build_variant_report(body, ctx), trades_limit=trades)

    guarded(run)


def print_constraint_rejections(rejections: Sequence[ConstraintRejections]) -> None:
    """One line per constraint under a top table (sync search or job)."""
    for counts in rejections:
        c = counts.constraint
        console.print(
            f"constraint {c.metric} {c.op} {c.value:g}: rejected {counts.stage_a:,} Stage A, {counts.stage_b:,} Stage B"
        )


def summarize(response: RunBacktestResponse, show: int) -> None:
    print_wide(top_table(response, show))
    t = response.timings
    console.print(
        f"{response.stage_a_variants_total:,} Stage A + {response.stage_b_variants_total:,} Stage B variants "
        f"on {response.bars['target']:,} bars in {t['total_seconds']:.2f} s "
        f"(setup {t['setup_seconds']:.2f}, A {t['stage_a_seconds']:.2f}, B {t['stage_b_seconds']:.2f})"
    )
    print_constraint_rejections(response.constraint_rejections)
    for pairs in response.cross_pairs:
        console.print(f"{pairs.summary} ({'; '.join(pairs.constraints) or 'no param constraints'})")
    if response.validation is not None:
        print_validation(response.validation)
    for note in response.data_notes:
        console.print(f"[yellow]note:[/yellow] {note}")
