"""`trading worker`: run backtest jobs from the job store until SIGTERM / SIGINT."""

from __future__ import annotations

import logging
import os

import typer

from apps.worker.stop_signals import StopRequest, stop_on_signals
from apps.worker.warm_up import warm_up_kernels
from apps.worker.worker_loop import default_worker_id, run_worker
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import default_backtest_config
from trading.contexts.backtest.adapters.outbound.executors.factory import open_executor
from trading.contexts.backtest.adapters.outbound.persistence.factory import (
    default_jobs_database_url,
    open_jobs_repository,
)
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import default_data_dir
from trading.shared.config_paths import DEFAULT_ENV, ENV_VAR


def worker(
    db: str | None = typer.Option(
        None,
        "--db",
        help="Job store URL (sqlite:///path or postgresql://...); default TRADING_DATABASE_URL, "
        "else sqlite:///<TRADING_DATA_DIR or ./data>/jobs.sqlite3",
    ),
    worker_id: str | None = typer.Option(None, "--worker-id", help="Lease owner name; default host:pid:random."),
    once: bool = typer.Option(False, "--once", help="Exit when no job is claimable instead of polling."),
    executor: str = typer.Option(
        "local", "--executor", help="local: run jobs here; ray: claim `executor=ray` jobs and drive a cluster."
    ),
    cluster: str | None = typer.Option(
        None, "--cluster", help="Ray head HOST:PORT (default TRADING_CLUSTER_ADDRESS, then config)."
    ),
) -> None:
    """Claim and run backtest jobs; SIGTERM/SIGINT checkpoint the current job and release it."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = default_backtest_config()
    if not config.jobs.enabled:
        typer.echo("jobs are disabled by config (backtest.jobs.enabled=false); nothing to do")
        return
    logging.getLogger("apps.worker").info("kernels ready in %.1f s", warm_up_kernels(config))
    if executor not in ("local", "ray"):
        raise typer.BadParameter("--executor must be local or ray")
    search_executor = None if executor == "local" else open_executor("ray", cluster, config.distributed)
    repo = open_jobs_repository(db or default_jobs_database_url())
    stop = StopRequest()
    stop_on_signals(stop)
    try:
        if os.environ.get(ENV_VAR, DEFAULT_ENV) != "prod":  # as the API: prod runs `trading db migrate`
            repo.migrate()
        outcomes = run_worker(
            repo,
            BacktestContext(str(default_data_dir()), config),
            worker_id or default_worker_id(),
            stop,
            drain=once,
            executor=search_executor,
        )
    finally:
        repo.close()
    typer.echo("worker stopped: " + (", ".join(f"{k.value}={v}" for k, v in sorted(outcomes.items())) or "no jobs"))
