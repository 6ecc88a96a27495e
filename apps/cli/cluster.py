"""`trading cluster local|stop|check`: a loopback Ray cluster for users and tests, and the lockstep check
(same versions, same golden-search bytes on every node) to run before pointing searches at a cluster."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from apps.cli.errors import guarded
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import (
    LocalCluster,
    default_backtest_config,
)
from trading.contexts.backtest.adapters.outbound.executors.local_ray_cluster import (
    LocalClusterSpec,
    start_local_cluster,
    stop_local_cluster,
)
from trading.contexts.backtest.application.services.executor_selection import cluster_address
from trading.shared.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="Ray clusters for distributed searches (needs `trading[ray]`).")
console = Console()
DEFAULT_TEMP_DIR = "/tmp/trading_ray"


def local_spec(
    config: LocalCluster, port_min: int | None, port_max: int | None, num_cpus: int | None, temp_dir: str
) -> LocalClusterSpec:
    return LocalClusterSpec(
        port_min=port_min or config.port_min,
        port_max=port_max or config.port_max,
        num_cpus=num_cpus or config.num_cpus,
        object_store_bytes=config.object_store_bytes,
        temp_dir=temp_dir,
    )


@app.command("local")
def local_command(
    port_min: Annotated[int | None, typer.Option(help="First port (default distributed.local_cluster).")] = None,
    port_max: Annotated[int | None, typer.Option(help="Last port.")] = None,
    num_cpus: Annotated[int | None, typer.Option(help="Worker slots.")] = None,
    temp_dir: Annotated[
        str, typer.Option(help="Ray's session directory root (names this cluster).")
    ] = DEFAULT_TEMP_DIR,
) -> None:
    """Start a one-node Ray cluster on 127.0.0.1 using only the configured port range."""

    def run() -> None:
        spec = local_spec(default_backtest_config().distributed.local_cluster, port_min, port_max, num_cpus, temp_dir)
        start_local_cluster(spec)
        console.print(f"Ray cluster up at [bold]{spec.address}[/bold] (ports {spec.port_min}-{spec.port_max})")
        console.print(f"  trading backtest run REQUEST.yaml --executor ray --cluster {spec.address}")
        console.print(f"  stop it with: trading cluster stop --temp-dir {spec.temp_dir}")

    guarded(run)


@app.command("stop")
def stop_command(
    temp_dir: Annotated[str, typer.Option(help="The --temp-dir the cluster was started with.")] = DEFAULT_TEMP_DIR,
) -> None:
    """Stop the local cluster started with this temp dir (its processes only, by process id)."""

    def run() -> None:
        spec = local_spec(default_backtest_config().distributed.local_cluster, None, None, None, temp_dir)
        console.print(f"stopped {stop_local_cluster(spec)} processes")

    guarded(run)


@app.command("check")
def check_command(
    cluster: Annotated[str | None, typer.Option("--cluster", help="HOST:PORT of the head node.")] = None,
) -> None:
    """Versions and a golden-search digest on every node; exits 1 naming each node that differs."""

    def run() -> None:
        from trading.contexts.backtest.adapters.outbound.executors.cluster_check import check_cluster

        driver, nodes = check_cluster(cluster_address(cluster, default_backtest_config().distributed))
        bad = 0
        for node in nodes:
            problems = node.problems(driver)
            bad += bool(problems)
            status = "[red]MISMATCH[/red] " + "; ".join(problems) if problems else "[green]ok[/green]"
            console.print(f"{node.node}: {status}")
        console.print(f"driver: {driver.versions} digest {driver.digest[:16]}")
        if bad:
            raise DomainError("cluster_mismatch", f"{bad} of {len(nodes)} nodes differ from the driver")

    guarded(run)
