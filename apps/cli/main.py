"""The `trading` command."""

import typer

from apps.cli import backtest, candles, cluster, db, demo, heatmap, indicators, jobs, serve, worker

app = typer.Typer(no_args_is_help=True, help="Staged grid-search backtesting platform.")
app.add_typer(candles.app, name="candles")
app.add_typer(indicators.app, name="indicators")
app.add_typer(db.app, name="db")
app.command(name="worker")(worker.worker)
backtest.app.command("heatmap")(heatmap.heatmap)
app.add_typer(backtest.app, name="backtest")
app.add_typer(jobs.app, name="jobs")
app.add_typer(cluster.app, name="cluster")
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo("trading 0.1.0")
