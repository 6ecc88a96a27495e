"""`trading db ...`: manage the job store's schema."""

from __future__ import annotations

import typer

from trading.contexts.backtest.adapters.outbound.persistence.factory import (
    default_jobs_database_url,
    open_jobs_repository,
)

app = typer.Typer(no_args_is_help=True, help="Job store (SQLite or PostgreSQL) schema.")


@app.command()
def migrate(
    url: str | None = typer.Option(
        None,
        "--url",
        help="sqlite:///path or postgresql://...; default TRADING_DATABASE_URL, "
        "else sqlite:///<TRADING_DATA_DIR or ./data>/jobs.sqlite3",
    ),
) -> None:
    """Apply pending schema migrations (safe to run again, and from several processes at once)."""
    target = url or default_jobs_database_url()
    repository = open_jobs_repository(target)
    try:
        applied = repository.migrate()
    finally:
        repository.close()
    shown = target.split("@")[-1]  # never echo a password from the URL
    if applied:
        typer.echo(f"{shown}: applied migrations {', '.join(str(v) for v in applied)}")
    else:
        typer.echo(f"{shown}: schema up to date")
