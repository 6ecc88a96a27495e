"""Shards of a search as Ray tasks on an existing cluster (`trading[ray]`; Ray is imported only here,
and only when a Ray executor is built).

The plan (request, config, rolled-up timeline arrays) is put in the object store once per search and
the Stage A shortlist once per Stage B; tasks receive them boxed in a list so Ray does not fetch them
for every task: a worker process fetches them only when its cache has no prepared search of this id
(numpy arrays come zero-copy from the node's shared-memory store). Ray retries a task lost with its
worker (`task_retries`); cancelling force-kills the running tasks of the search.
"""

from __future__ import annotations

import importlib
import os
import time
from typing import Any

import numpy as np

from trading.contexts.backtest.adapters.outbound.executors.local_ray_cluster import SINGLE_NODE_ENV
from trading.contexts.backtest.application.ports.staged_runner import ShardResult, ShardTask
from trading.contexts.backtest.application.services.shard_worker import run_shard
from trading.contexts.backtest.application.services.staged_runner_v1 import SearchPlan
from trading.shared.errors import DomainError


def import_ray() -> Any:
    """Ray as a module, or a clear error naming the extra to install."""
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise DomainError(
            "executor_unavailable",
            "the Ray executor needs the optional extra: `uv sync --extra ray` (or `pip install 'trading[ray]'`)",
            status=503,
        ) from None


def run_ray_shard(
    search_id: str, task: ShardTask, plan_box: list[Any], shortlist_box: list[Any], numba_threads: int
) -> ShardResult:
    """The task body in a Ray worker process (module-level so Ray pickles it by reference)."""
    ray = import_ray()
    return run_shard(search_id, task, lambda: ray.get(plan_box[0]), lambda: ray.get(shortlist_box[0]), numba_threads)


class RaySession:
    def __init__(self, ray: Any, remote: Any, plan: SearchPlan, search_id: str, cpus_per_task: int, retries: int):
        self._ray = ray
        self._remote = remote.options(num_cpus=cpus_per_task, max_retries=retries, retry_exceptions=False)
        self._search_id = search_id
        self._cpus_per_task = cpus_per_task
        self._plan_ref = ray.put(plan)
        self._shortlist_ref: Any = None
        self.refs: dict[Any, ShardTask] = {}
        self.all_refs: list[Any] = []

    @property
    def slots(self) -> int:
        cpus = float(self._ray.cluster_resources().get("CPU", 0.0))
        return max(1, int(cpus // self._cpus_per_task))

    def set_shortlist(self, shortlist: np.ndarray) -> None:
        self._shortlist_ref = self._ray.put(shortlist)

    def submit(self, task: ShardTask) -> None:
        shortlist_box = [self._shortlist_ref] if self._shortlist_ref is not None else []
        ref = self._remote.remote(self._search_id, task, [self._plan_ref], shortlist_box, self._cpus_per_task)
        self.refs[ref] = task
        self.all_refs.append(ref)

    def collect(self, timeout_seconds: float) -> list[ShardResult]:
        if not self.refs:
            time.sleep(timeout_seconds)
            return []
        ready, _ = self._ray.wait(list(self.refs), num_returns=1, timeout=timeout_seconds)
        if ready:
            ready, _ = self._ray.wait(list(self.refs), num_returns=len(self.refs), timeout=0)
        results = []
        for ref in ready:
            task = self.refs.pop(ref)
            try:
                results.append(self._ray.get(ref))
            except Exception as exc:
                self.cancel()
                raise DomainError(
                    "executor_failed",
                    f"shard {task.shard_id} of {task.stage} failed on the cluster after the retries: {exc}",
                    status=502,
                ) from exc
        return results

    def cancel(self) -> None:
        for ref in list(self.refs):
            self._ray.cancel(ref, force=True)
        self.refs.clear()

    def close(self) -> None:
        self.cancel()
        self._plan_ref = self._shortlist_ref = None


def connect_ray(address: str) -> Any:
    """`ray.init` once per process. A loopback address means a single-node cluster bound to 127.0.0.1
    (see local_ray_cluster): Ray must then keep loopback addresses as they are. Ray reads both switches
    below from the environment when it is first imported."""
    host = address.rsplit(":", 1)[0]
    if host in {"127.0.0.1", "localhost"}:
        os.environ.update(SINGLE_NODE_ENV)
    # Under `uv run`, Ray would start every worker through `uv run` in a copy of this directory; the
    # nodes run their own installed `trading` instead (versions in lockstep, `trading cluster check`).
    os.environ["RAY_ENABLE_UV_RUN_RUNTIME_ENV"] = "0"
    ray = import_ray()
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    return ray


class RayExecutor:
    """Connects to the cluster at `address` once (`ray.init`); each search opens a session."""

    name = "ray"

    def __init__(self, address: str, cpus_per_task: int = 1, task_retries: int = 3) -> None:
        self._ray = connect_ray(address)
        self._remote = self._ray.remote(run_ray_shard)
        self._cpus_per_task = cpus_per_task
        self._retries = task_retries
        self.last_session: RaySession | None = None

    def open(self, plan: SearchPlan, search_id: str) -> RaySession:
        session = RaySession(self._ray, self._remote, plan, search_id, self._cpus_per_task, self._retries)
        self.last_session = session
        return session
