"""`trading backtest run REQUEST`: a staged search from the terminal with progress, the top table,
CSV/JSON export, and the full report of any rank."""

from __future__ import annotations

import csv
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from apps.cli.errors import guarded
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.adapters.outbound.executors.factory import open_executor
from trading.contexts.backtest.application.dto.run_backtest import (
    RankedVariant,
    RunBacktestRequest,
    RunBacktestResponse,
    RunContext,
    VariantReportRequest,
    VariantReportResponse,
)
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    ProgressEvent,
    build_variant_report,
    run_backtest,
)
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import default_data_dir
from trading.shared.errors import DomainError, loc_path

app = typer.Typer(no_args_is_help=True, help="Run staged grid searches.")


class ExecutorChoice(StrEnum):
    local = "local"
    ray = "ray"


console = Console()

STAGE_LABELS = {"setup": "indicators + signals", "stage_a": "Stage A (base variants)", "stage_b": "Stage B (risk grid)"}


def load_request(path: Path) -> RunBacktestRequest:
    """JSON or YAML by extension; pydantic errors become one readable line per problem."""
    text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) if path.suffix.lower() in {".yaml", ".yml"} else json.loads(text)
    try:
        return RunBacktestRequest.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{loc_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise DomainError("validation_error", f"{path}: invalid request:\n  " + "\n  ".join(lines)) from None


def run_with_progress(
    request: RunBacktestRequest, ctx: BacktestContext, executor: SearchExecutor | None = None
) -> RunBacktestResponse:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def on_progress(event: ProgressEvent) -> None:
            if event.stage not in tasks:
                tasks[event.stage] = progress.add_task(STAGE_LABELS.get(event.stage, event.stage), total=event.total)
            progress.update(tasks[event.stage], completed=event.processed, total=event.total)

        return run_backtest(request, ctx, progress=on_progress, executor=executor)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _params_text(variant: RankedVariant) -> str:
    """Compact: `sma(150) rsi(21; 60,40) sl 2 tp off`; the source is shown only when not close."""
    payload = variant.payload
    parts = []
    for selection in payload.indicator_selections:
        values = [_short(v) for k, v in selection.inputs.items() if not (k == "source" and v == "close")]
        values += [_short(v) for v in selection.params.values()]
        signals = [_short(v) for v in payload.signal_params.get(selection.indicator_id, {}).values()]
        short_id = selection.indicator_id.split(".", 1)[-1]
        parts.append(f"{short_id}({','.join(values)}{'; ' + ','.join(signals) if signals else ''})")
    risk = payload.risk_params
    parts.append(
        f"sl {_fmt(risk.sl_pct, 2) if risk.sl_pct else 'off'} tp {_fmt(risk.tp_pct, 2) if risk.tp_pct else 'off'}"
    )
    return " ".join(parts)


def _short(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def top_table(response: RunBacktestResponse, limit: int) -> Table:
    ranking = response.ranking
    title = f"Top {min(limit, len(response.variants))} by {ranking.primary_metric}"
    if ranking.secondary_metric:
        title += f", then {ranking.secondary_metric}"
    table = Table(title=title)
    for column in ("#", "return %", "max DD %", "ret/DD", "PF"):
        table.add_column(column, justify="right")
    table.add_column("variant", overflow="fold")
    for variant in response.variants[:limit]:
        m = variant.ranking_metrics
        table.add_row(
            str(variant.rank),
            _fmt(m["total_return_pct"]),
            _fmt(m["max_drawdown_pct"]),
            _fmt(m["return_over_max_drawdown"]),
            _fmt(m["profit_factor"]),
            _params_text(variant),
        )
    return table


def export_csv(response: RunBacktestResponse, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["rank", "variant_index", "variant_key", *response.variants[0].ranking_metrics, "payload"]
            if response.variants
            else ["rank"]
        )
        for v in response.variants:
            writer.writerow(
                [v.rank, v.variant_index, v.variant_key, *v.ranking_metrics.values(), v.payload.model_dump_json()]
            )


def print_report(report: VariantReportResponse, trades_limit: int) -> None:
    console.print(f"[bold]Report[/bold] variant_key={report.variant_key}")
    table = Table(show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for row in report.rows:
        table.add_row(str(row["metric"]), str(row["value"]))
    console.print(table)
    if report.trades:
        trades = Table(title=f"First {min(trades_limit, len(report.trades))} of {report.trades_total} trades", box=None)
        headers = {
            "entry_time": "entry",
            "exit_time": "exit",
            "side": "side",
            "entry_price": "entry px",
            "exit_price": "exit px",
            "net_pnl": "net pnl",
            "return_pct": "ret %",
            "exit_reason": "reason",
        }
        for header in headers.values():
            trades.add_column(header, no_wrap=True, justify="left" if header in {"entry", "exit", "side"} else "right")
        for trade in report.trades[:trades_limit]:
            trades.add_row(*(_cell(trade.get(field)) for field in headers))
        console.print(trades)


def _cell(value: Any) -> str:
    """Times as `MM-DD HH:MM` (the report's Start/End give the year), numbers with 2 decimals."""
    if isinstance(value, float):
        return f"{value:,.2f}"
    text = str(value)
    return text[5:16].replace("T", " ") if len(text) == 20 and text.endswith("Z") else text


def report_for_rank(
    request: RunBacktestRequest, response: RunBacktestResponse, rank: int, ctx: BacktestContext
) -> VariantReportResponse:
    if not 1 <= rank <= len(response.variants):
        raise DomainError("validation_error", f"--report {rank}: the result has ranks 1..{len(response.variants)}")
    variant = response.variants[rank - 1]
    context = RunContext(
        instrument_id=request.instrument_id,
        timeframe=request.timeframe,
        time_range=request.time_range,
        warmup_bars=request.warmup_bars,
    )
    return build_variant_report(VariantReportRequest(run_context=context, variant=variant.payload), ctx)


@app.command("run")
def run_command(
    request_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Request as .json or .yaml.")],
    show: Annotated[int, typer.Option(help="Rows of the top table to print.")] = 20,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the ranked top to this CSV file.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full response to this JSON file.")] = None,
    report: Annotated[int | None, typer.Option("--report", help="Print the full report of this rank.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Candle data directory.")] = None,
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
        request = load_request(request_file)
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
        if report is not None:
            print_report(report_for_rank(request, response, report, ctx), trades_limit=10)

    guarded(run)


def summarize(response: RunBacktestResponse, show: int) -> None:
    console.print(top_table(response, show))
    t = response.timings
    console.print(
        f"{response.stage_a_variants_total:,} Stage A + {response.stage_b_variants_total:,} Stage B variants "
        f"on {response.bars['target']:,} bars in {t['total_seconds']:.2f} s "
        f"(setup {t['setup_seconds']:.2f}, A {t['stage_a_seconds']:.2f}, B {t['stage_b_seconds']:.2f})"
    )
