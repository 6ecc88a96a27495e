"""The `trading` command."""

import typer

from apps.cli import candles, db, indicators

app = typer.Typer(no_args_is_help=True, help="Staged grid-search backtesting platform.")
app.add_typer(candles.app, name="candles")
app.add_typer(indicators.app, name="indicators")
app.add_typer(db.app, name="db")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo("trading 0.1.0")
