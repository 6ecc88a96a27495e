"""`trading backtest heatmap REQUEST`: run the search, then one ranking metric over two grid axes
around the variant of a rank, as a coloured terminal grid (green = better) and optionally a CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from apps.cli.backtest import console, load_request, run_with_progress, variant_at_rank
from apps.cli.errors import guarded
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.application.dto.heatmap import HeatmapRequest, HeatmapResponse
from trading.contexts.backtest.application.services.validation.heatmap import build_heatmap
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.domain.value_objects.execution import METRIC_DESCENDING
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import default_data_dir

# Worst to best; a cell's colour is its value's quantile among the finite cells.
PALETTE = ("red3", "dark_orange", "yellow3", "chartreuse3", "green1")


def heatmap(
    request_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Search request (.json/.yaml).")],
    variant: Annotated[int, typer.Option("--variant", help="Rank of the variant the heatmap is centred on.")] = 1,
    x_axis: Annotated[
        str, typer.Option("--x", help="Axis across: sl_pct, tp_pct, <indicator>.<param>, ...")
    ] = "sl_pct",
    y_axis: Annotated[str, typer.Option("--y", help="Axis down.")] = "tp_pct",
    metric: Annotated[str | None, typer.Option("--metric", help="Ranking metric id (default: the primary).")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the matrix to this CSV file.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Candle data directory.")] = None,
) -> None:
    """Heatmap of METRIC over the X and Y axes of REQUEST_FILE's grid, every other parameter held at the
    values of the variant ranked VARIANT."""

    def run() -> None:
        ctx = BacktestContext(str(data_dir or default_data_dir()), default_backtest_config())
        request = load_request(request_file)
        centre = variant_at_rank(run_with_progress(request, ctx), variant, "--variant")
        body = HeatmapRequest.model_validate(
            {
                "run_context": request.run_context(),
                "variant": centre.payload,
                "indicators": request.indicators,
                "risk": request.risk,
                "x_axis": x_axis,
                "y_axis": y_axis,
                "metric": metric,
            }
        )
        result = build_heatmap(body, ctx)
        console.print(f"{result.metric}: {result.x_axis} across, {result.y_axis} down, * = the variant")
        console.print(heatmap_table(result))
        if csv_out:
            write_heatmap_csv(result, csv_out)
            console.print(f"wrote {csv_out}")

    guarded(run)


def _label(value: object) -> str:
    if value is None:
        return "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def cell_styles(result: HeatmapResponse) -> np.ndarray:
    """Palette index per cell (-1 for empty cells), by quantile so one outlier cannot wash out the rest."""
    values = np.array([[np.nan if v is None else v for v in row] for row in result.values], dtype=np.float64)
    finite = np.isfinite(values)
    styles = np.full(values.shape, -1, dtype=np.int64)
    if finite.any():
        signed = values[finite] if METRIC_DESCENDING[result.metric] else -values[finite]
        ranks = np.argsort(np.argsort(signed, kind="stable"), kind="stable")
        styles[finite] = ranks * len(PALETTE) // max(1, int(finite.sum()))
    return styles


def heatmap_table(result: HeatmapResponse) -> Table:
    styles = cell_styles(result)
    table = Table()
    table.add_column(f"{result.y_axis} \\ {result.x_axis}", justify="right", style="bold")
    for x_value in result.x_values:
        table.add_column(_label(x_value), justify="right")
    for yi, (y_value, row) in enumerate(zip(result.y_values, result.values, strict=True)):
        cells = []
        for xi, value in enumerate(row):
            text = "n/a" if value is None else f"{value:.2f}"
            mine = (xi, yi) == (result.variant_x, result.variant_y)
            style = PALETTE[styles[yi, xi]] if styles[yi, xi] >= 0 else "dim"
            cells.append(f"[{style}{' bold reverse' if mine else ''}]{text}{'*' if mine else ''}[/]")
        table.add_row(_label(y_value), *cells)
    return table


def write_heatmap_csv(result: HeatmapResponse, path: Path) -> None:
    """First row: the x values; first column: the y values; empty cells stay empty."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"{result.y_axis}\\{result.x_axis}", *(_label(v) for v in result.x_values)])
        for y_value, row in zip(result.y_values, result.values, strict=True):
            writer.writerow([_label(y_value), *("" if v is None else repr(v) for v in row)])
