"""The distributed search on a local 2-worker Ray cluster: bit-identical to one process, survives a
killed worker, stops on cancel, fails with `executor_stalled` instead of hanging, and the cluster
listens only on loopback inside its port range."""

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.integration.distributed.conftest import TEST_PORTS
from tests.unit.contexts.backtest.distributed.search_requests import REQUESTS, search_request
from tests.unit.contexts.backtest.distributed.test_sharded_constraints import CONSTRAINTS
from tests.unit.contexts.backtest.distributed.test_sharded_driver import Quiet, assert_same, single_process
from trading.contexts.backtest.adapters.outbound.executors.local_ray_cluster import LocalClusterSpec, cluster_pids
from trading.contexts.backtest.adapters.outbound.executors.ray_executor import RayExecutor
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.shard_plan import ShardSizing
from trading.contexts.backtest.application.services.sharded_search_driver import DriverSettings, ShardedSearchDriver
from trading.contexts.backtest.application.services.staged_core_runner_v1 import SearchStopped
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch, plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.shared.errors import DomainError

pytestmark = pytest.mark.slow

_EXECUTOR: dict[str, RayExecutor] = {}


def executor(spec: LocalClusterSpec, cpus_per_task: int = 1) -> RayExecutor:
    key = f"{spec.address}/{cpus_per_task}"
    if key not in _EXECUTOR:
        _EXECUTOR[key] = RayExecutor(spec.address, cpus_per_task=cpus_per_task, task_retries=3)
    return _EXECUTOR[key]


def prepared_for(ctx: BacktestContext, request: RunBacktestRequest) -> PreparedSearch:
    return prepare_search(plan_search(request, ctx.store(), ctx.config))


def settings(shards: int | None = None, **kw: object) -> DriverSettings:
    return DriverSettings(ShardSizing(2.0, 4, shards), verify_top_n=3, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_every_shard_count_gives_the_single_process_top(
    cluster_spec: LocalClusterSpec, ray_ctx: BacktestContext, name: str
) -> None:
    prepared = prepared_for(ray_ctx, search_request(name))
    expected = single_process(prepared)
    for shards in (1, 2, 7, 64):
        run = ShardedSearchDriver(prepared, executor(cluster_spec), settings(shards))
        assert_same(run.run(Quiet()), expected)
        assert run.stats.results_merged["stage_a"] == min(shards, prepared.core.space.size)


def eth_sma_request(sma_stop: int, stops: list[float | None], top_k: int, preselect: int) -> RunBacktestRequest:
    """SMA 5..sma_stop on 28 days of 1m ETH bars, long-only, with the stops as both SL and TP grid."""
    return RunBacktestRequest.model_validate(
        {
            "instrument_id": "1:ETHUSDT",
            "timeframe": "1m",
            "time_range": {"start": "2024-01-02T00:00:00Z", "end": "2024-01-30T00:00:00Z"},
            "warmup_bars": 300,
            "indicators": [
                {
                    "indicator_id": "ma.sma",
                    "params": {"window": {"mode": "range", "start": 5, "stop_incl": sma_stop, "step": 1}},
                }
            ],
            "risk": {"sl_pct": {"mode": "explicit", "values": stops}, "tp_pct": {"mode": "explicit", "values": stops}},
            "execution": {"direction_mode": "long_only", "fee_pct": 0.075},
            "top_k": top_k,
            "preselect": preselect,
        }
    )


def busy_request() -> RunBacktestRequest:
    """A few tenths of a second per shard, so a worker is busy when it is killed."""
    return eth_sma_request(124, [None, 0.5, 1.0, 2.0], top_k=30, preselect=48)


def busy_shard_pids() -> list[int]:
    """Ray worker processes executing a shard right now (Ray titles them after the running task)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::run_ray_shard"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class KillOnce(Quiet):
    """From the moment `stage` starts, a watcher thread SIGKILLs the first worker it sees running a shard."""

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage
        self.killed: int | None = None
        self.watcher: threading.Thread | None = None

    def on_progress(self, stage: str, processed: int, total: int) -> None:
        super().on_progress(stage, processed, total)
        if stage == self.stage and self.watcher is None:
            self.watcher = threading.Thread(target=self._kill_first_busy, daemon=True)
            self.watcher.start()

    def _kill_first_busy(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = busy_shard_pids()
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                self.killed = busy[0]
                return
            time.sleep(0.005)


@pytest.fixture(scope="module")
def busy_prepared(ray_ctx: BacktestContext) -> PreparedSearch:
    return prepared_for(ray_ctx, busy_request())


@pytest.mark.parametrize("stage", ["stage_a", "stage_b"])
def test_a_worker_killed_mid_stage_changes_nothing(
    cluster_spec: LocalClusterSpec, busy_prepared: PreparedSearch, stage: str
) -> None:
    expected = single_process(busy_prepared)
    observer = KillOnce(stage)
    run = ShardedSearchDriver(busy_prepared, executor(cluster_spec), settings(12))
    assert_same(run.run(observer), expected)
    assert observer.watcher is not None
    observer.watcher.join(5)
    assert observer.killed is not None
    assert run.stats.results_merged == {"stage_a": 12, "stage_b": 12}


def test_cancel_stops_within_one_task_and_leaves_no_task_running(
    cluster_spec: LocalClusterSpec, busy_prepared: PreparedSearch
) -> None:
    observer = Quiet()
    ray_executor = executor(cluster_spec)
    run = ShardedSearchDriver(busy_prepared, ray_executor, settings(24))
    outcome: list[BaseException] = []
    stopped_at: list[float] = []

    def search() -> None:
        try:
            run.run(observer)
        except BaseException as exc:
            outcome.append(exc)
        stopped_at.append(time.monotonic())

    thread = threading.Thread(target=search)
    thread.start()
    while not any(p[0] == "stage_a" and p[1] > 0 for p in observer.progress):
        time.sleep(0.01)
    asked_at = time.monotonic()
    observer.stop = True
    thread.join(60)
    assert outcome and isinstance(outcome[0], SearchStopped)
    one_task = run.stats.task_seconds / max(1, sum(run.stats.results_merged.values()))
    assert stopped_at[0] - asked_at <= max(2.0, one_task)
    session = ray_executor.last_session
    assert session is not None
    import ray

    _, pending = ray.wait(session.all_refs, num_returns=len(session.all_refs), timeout=5)
    assert not pending
    time.sleep(0.5)
    assert busy_shard_pids() == []


@pytest.mark.parametrize("constraints", [None, CONSTRAINTS])
def test_the_sync_use_case_on_ray_returns_the_in_process_response(
    cluster_spec: LocalClusterSpec, ray_ctx: BacktestContext, constraints: list[dict] | None
) -> None:
    """With constraints, the shards' rejection counts cross the cluster and sum to the in-process ones."""
    request = search_request("two_anded", **({} if constraints is None else {"constraints": constraints}))
    local = run_backtest(request, ray_ctx)
    remote = run_backtest(request, ray_ctx, executor=executor(cluster_spec))
    assert [v.model_dump() for v in remote.variants] == [v.model_dump() for v in local.variants]
    assert remote.constraint_rejections == local.constraint_rejections
    if constraints is not None:
        assert all(entry.stage_a > 0 and entry.stage_b > 0 for entry in local.constraint_rejections)


LOOPBACK_FORMS = {"127.0.0.1", "[::ffff:127.0.0.1]"}  # gRPC listens on the IPv4-mapped form
_LISTEN = re.compile(r"^\S+\s+\S+\s+\S+\s+(?P<addr>\S+):(?P<port>\d+)\s+\S+\s+users:(?P<users>.*)$")


def test_the_local_cluster_listens_only_on_loopback_inside_its_port_range(cluster_spec: LocalClusterSpec) -> None:
    executor(cluster_spec)  # a driver and its workers are connected, too
    ours = set(cluster_pids(cluster_spec)) | {os.getpid()}
    lines = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout.splitlines()
    listening = []
    for line in lines:
        match = _LISTEN.match(line)
        if match is None:
            continue
        pids = {int(p) for p in re.findall(r"pid=(\d+)", match["users"])}
        if pids & ours:
            listening.append((match["addr"], int(match["port"]), sorted(pids & ours)))
    assert listening, "no listening socket found for the cluster's processes"
    cluster_side = [entry for entry in listening if os.getpid() not in entry[2]]
    assert all(addr in LOOPBACK_FORMS for addr, _, _ in listening), listening
    assert all(TEST_PORTS[0] <= port <= TEST_PORTS[1] for _, port, _ in cluster_side), cluster_side
    assert np.unique([port for _, port, _ in listening]).size == len(listening)


def test_a_cluster_that_never_runs_a_task_fails_with_executor_stalled(
    cluster_spec: LocalClusterSpec, ray_ctx: BacktestContext
) -> None:
    """Tasks asking for 3 CPUs never fit the 2-CPU cluster, so none ever starts."""
    config = ray_ctx.config
    distributed = config.distributed.model_copy(update={"stall_timeout_seconds": 3.0})
    ctx = BacktestContext(ray_ctx.data_dir, config.model_copy(update={"distributed": distributed}))
    started = time.monotonic()
    with pytest.raises(DomainError) as caught:
        run_backtest(search_request("one_indicator"), ctx, executor=executor(cluster_spec, cpus_per_task=3))
    assert caught.value.code == "executor_stalled"
    assert time.monotonic() - started < 3.0 + 30  # setup and one poll on a loaded machine, never a hang
