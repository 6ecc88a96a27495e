"""`trading jobs submit|list|show|top|cancel|watch`: async jobs from the terminal, against the local job
store (default) or a server (`--server URL`), with the same progress bar as `backtest run`."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from apps.api.dto.backtest_jobs import JobTopRowResponse, JobValidationResponse
from apps.cli.backtest import (
    console,
    print_constraint_rejections,
    print_wide,
    ranked_rows_table,
    search_progress,
    show_progress,
)
from apps.cli.errors import guarded
from apps.cli.jobs_client import HttpJobs, JobsClient, Json, LocalJobs
from apps.cli.request_file import load_request
from apps.cli.validation_output import print_validation
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.adapters.outbound.persistence.factory import (
    default_jobs_database_url,
    open_jobs_repository,
)
from trading.contexts.backtest.application.dto.run_backtest import ConstraintRejections
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.domain.services.search_progress import FINISHED_WORDS
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import default_data_dir

app = typer.Typer(no_args_is_help=True, help="Async backtest jobs: submit, follow, inspect, cancel.")

TERMINAL = {"succeeded", "failed", "cancelled"}
TOKEN_ENV = "TRADING_API_TOKEN"
WATCH_POLL_SECONDS = 1.0

Server = Annotated[
    str | None, typer.Option("--server", help="A server's base URL (http://host:8000); default: the local store.")
]
Token = Annotated[str | None, typer.Option("--token", help=f"Bearer token for --server; default ${TOKEN_ENV}.")]
Db = Annotated[str | None, typer.Option("--db", help="Local job store URL; default TRADING_DATABASE_URL or ./data.")]
DataDir = Annotated[Path | None, typer.Option(help="Candle data directory (local store: validation).")]
JobId = Annotated[str, typer.Argument(help="The job id (as `jobs list` prints it).")]


def open_client(server: str | None, token: str | None, db: str | None, data_dir: Path | None) -> JobsClient:
    if server:
        return HttpJobs(server, token or os.environ.get(TOKEN_ENV))
    repository = open_jobs_repository(db or default_jobs_database_url())
    repository.migrate()
    return LocalJobs(repository, BacktestContext(str(data_dir or default_data_dir()), default_backtest_config()))


def _age(created_at: str) -> str:
    seconds = (datetime.now(UTC) - datetime.fromisoformat(created_at.replace("Z", "+00:00"))).total_seconds()
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 172_800 else f"{seconds / 86_400:.0f} d"


def _ranking(job: Json) -> str:
    ranking = job["request_summary"]["ranking"]
    primary = ranking.get("primary_metric") or "default"
    return primary + (f", {ranking['secondary_metric']}" if ranking.get("secondary_metric") else "")


def _best(client: JobsClient, job: Json) -> str:
    if job["state"] == "queued":
        return "-"
    rows = client.top(job["job_id"], 1)["rows"]
    if not rows:
        return "-"
    metric = job["request_summary"]["ranking"].get("primary_metric") or "total_return_pct"
    value = rows[0]["ranking_metrics"].get(metric)
    return f"{metric} {value:.2f}" if isinstance(value, float) else f"{metric} n/a"


def jobs_table(client: JobsClient, jobs: list[Json]) -> Table:
    table = Table(title=f"{len(jobs)} jobs, newest first")
    for column in ("job", "state", "instrument", "tf", "indicators", "ranking", "best so far", "progress", "age"):
        table.add_column(column, no_wrap=True, justify="right" if column in {"progress", "age"} else "left")
    for job in jobs:
        context = job["run_context"]
        table.add_row(
            job["job_id"][:8],
            job["state"],
            context["instrument_id"],
            context["timeframe"],
            ",".join(job["request_summary"]["indicator_ids"]),
            _ranking(job),
            _best(client, job),
            f"{job['overall_progress'] * 100:.0f}%",
            _age(job["created_at"]),
        )
    return table


def print_top(client: JobsClient, job: Json, limit: int) -> None:
    top = client.top(job["job_id"], limit)
    rows = [JobTopRowResponse.model_validate(row) for row in top["rows"]]
    if not rows:
        console.print("no ranked rows yet")
        return
    ranking = job["request_summary"]["ranking"]
    primary = ranking.get("primary_metric") or default_backtest_config().ranking.primary_metric_default
    print_wide(ranked_rows_table(rows, primary, ranking.get("secondary_metric"), limit))
    rejections = job.get("constraint_rejections") or []
    print_constraint_rejections([ConstraintRejections.model_validate(c) for c in rejections])
    if job["request"].get("validation"):
        stored = JobValidationResponse.model_validate(client.validation(job["job_id"])).validation
        if stored is None:
            console.print("validation: not stored yet (a walk-forward job stores its report after its last fold)")
        else:
            print_validation(stored)


def watch_job(client: JobsClient, job_id: str, show: int) -> Json:
    """The `backtest run` bar, fed from the job's stored progress until it ends."""
    with search_progress() as progress:
        task = progress.add_task("waiting for a worker", total=1_000)
        while True:
            job = client.get(job_id)
            show_progress(progress, task, job["stage"], job["processed"], job["total"])
            if job["state"] in TERMINAL:
                break
            time.sleep(WATCH_POLL_SECONDS)
    console.print(f"job {job['job_id']} {job['state']}" + (f": {job['error']['message']}" if job.get("error") else ""))
    if job["state"] == "succeeded":
        print_top(client, job, show)
    return job


def _run(server: str | None, token: str | None, db: str | None, data_dir: Path | None, action) -> None:
    def body() -> None:
        client = open_client(server, token, db, data_dir)
        try:
            action(client)
        finally:
            client.close()

    guarded(body)


@app.command("submit")
def submit_command(
    request_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Request as .yaml or .json.")],
    watch: Annotated[bool, typer.Option("--watch", help="Follow it to the end, then print the top.")] = False,
    show: Annotated[int, typer.Option(help="Rows of the top to print with --watch.")] = 20,
    server: Server = None,
    token: Token = None,
    db: Db = None,
    data_dir: DataDir = None,
) -> None:
    """Validate REQUEST_FILE (as the API does) and queue it; `trading worker` runs it."""

    def action(client: JobsClient) -> None:
        created = client.submit(load_request(request_file))
        console.print(f"submitted job {created['job_id']} ({created['state']})")
        if watch:
            watch_job(client, created["job_id"], show)

    _run(server, token, db, data_dir, action)


@app.command("list")
def list_command(
    state: Annotated[
        str | None, typer.Option(help="Only jobs in this state (queued, running, succeeded, ...).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
    server: Server = None,
    token: Token = None,
    db: Db = None,
    data_dir: DataDir = None,
) -> None:
    """Your jobs: what they search, how far they are, the best row so far."""
    _run(server, token, db, data_dir, lambda client: print_wide(jobs_table(client, client.list(limit, state)["items"])))


@app.command("show")
def show_command(
    job_id: JobId, server: Server = None, token: Token = None, db: Db = None, data_dir: DataDir = None
) -> None:
    """State, progress and the full request (as YAML, ready to re-submit)."""

    def action(client: JobsClient) -> None:
        job = client.get(job_id)
        words = FINISHED_WORDS if job["state"] in TERMINAL else job["stage_words"]
        console.print(
            f"[bold]job {job['job_id']}[/bold] {job['state']} - {words} ({job['overall_progress'] * 100:.0f}%)"
        )
        for label in ("created_at", "started_at", "finished_at"):
            if job.get(label):
                console.print(f"  {label.replace('_', ' ')}: {job[label]}")
        if job.get("error"):
            console.print(f"  error: {job['error'].get('code')}: {job['error'].get('message')}", markup=False)
        console.print("request:")
        console.print(yaml.safe_dump(job["request"], sort_keys=False), markup=False, highlight=False)

    _run(server, token, db, data_dir, action)


@app.command("top")
def top_command(
    job_id: JobId,
    limit: Annotated[int, typer.Option(help="Rows to print.")] = 20,
    server: Server = None,
    token: Token = None,
    db: Db = None,
    data_dir: DataDir = None,
) -> None:
    """The job's ranked top (a live snapshot while it runs), then its holdout or walk-forward report."""
    _run(server, token, db, data_dir, lambda client: print_top(client, client.get(job_id), limit))


@app.command("cancel")
def cancel_command(
    job_id: JobId, server: Server = None, token: Token = None, db: Db = None, data_dir: DataDir = None
) -> None:
    """Queued jobs end now; running ones stop at their next batch."""

    def action(client: JobsClient) -> None:
        job = client.cancel(job_id)
        requested = " (cancel requested)" if job.get("cancel_requested_at") and job["state"] == "running" else ""
        console.print(f"job {job['job_id']} {job['state']}{requested}")

    _run(server, token, db, data_dir, action)


@app.command("watch")
def watch_command(
    job_id: JobId,
    show: Annotated[int, typer.Option(help="Rows of the top to print at the end.")] = 20,
    server: Server = None,
    token: Token = None,
    db: Db = None,
    data_dir: DataDir = None,
) -> None:
    """Follow a job with the `backtest run` progress bar; print its top when it succeeds."""
    _run(server, token, db, data_dir, lambda client: watch_job(client, job_id, show))
