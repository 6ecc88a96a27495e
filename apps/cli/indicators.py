"""`trading indicators ...`: show the indicator catalogue and validate indicators.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.catalogue import list_indicators
from trading.shared.config_paths import ConfigError

app = typer.Typer(no_args_is_help=True, help="Indicator catalogue and default grids.")

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="indicators.yaml to use (default: the $TRADING_ENV one).")
]


def _load(config: Path | None) -> IndicatorDefaults:
    try:
        return load_indicator_defaults(default_registry(), config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


def _axes_text(axes: list[dict[str, Any]]) -> str:
    return "\n".join(f"{a['name']} {_bounds(a)} default {json.dumps(a['default'])}" for a in axes)


def _bounds(axis: dict[str, Any]) -> str:
    return "|".join(axis["choices"]) if "choices" in axis else f"[{axis['min']}, {axis['max']}]"


@app.command("list")
def list_command(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the listing as JSON.")] = False,
) -> None:
    """List every indicator with its axes, bounds, default grids and signal rule."""
    listing = list_indicators(default_registry(), _load(config))
    if as_json:
        typer.echo(json.dumps(listing, indent=2))
        return
    table = Table("id", "inputs / params", "signal rule", "signal params", show_lines=True)
    for entry in listing:
        table.add_row(
            entry["id"],
            _axes_text(entry["inputs"] + entry["params"]),
            entry["signal_rule"],
            _axes_text(entry["signal_params"]),
        )
    Console().print(table)


@app.command("show")
def show_command(
    indicator_id: Annotated[str, typer.Argument(help="Indicator id, e.g. momentum.rsi (see `list`).")],
    config: ConfigOption = None,
) -> None:
    """One indicator: its axes, default grids, signal rule and what the rule does."""
    listing = {entry["id"]: entry for entry in list_indicators(default_registry(), _load(config))}
    entry = listing.get(indicator_id)
    if entry is None:
        raise typer.BadParameter(f"unknown indicator {indicator_id!r}; `trading indicators list` shows the ids")
    console = Console()
    console.print(f"[bold]{entry['id']}[/bold] ({entry['group']}), primary output {entry['primary_output']}")
    console.print(f"inputs / params: {_axes_text(entry['inputs'] + entry['params']) or '-'}")
    console.print(f"signal rule: {entry['signal_rule']}; signal params: {_axes_text(entry['signal_params']) or '-'}")
    console.print(entry["signal_rule_explanation"])


@app.command("check")
def check_command(config: ConfigOption = None) -> None:
    """Validate indicators.yaml against the registry and the default-grid guards."""
    defaults = _load(config)
    typer.echo(f"ok: default grids for {len(defaults.grids)} indicators")
