"""The executor a caller named: `local` (in-process) or `ray` (imports Ray only now)."""

from __future__ import annotations

from typing import Literal

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Distributed
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor
from trading.contexts.backtest.application.services.executor_selection import cluster_address
from trading.contexts.backtest.application.services.in_process_executor import InProcessExecutor
from trading.shared.errors import DomainError

ExecutorName = Literal["local", "ray"]


def open_executor(name: ExecutorName, address: str | None, distributed: Distributed) -> SearchExecutor:
    if name == "local":
        return InProcessExecutor(distributed.cpus_per_task)
    if not distributed.enabled:
        raise DomainError(
            "executor_disabled", "the Ray executor is disabled by config (backtest.distributed.enabled=false)"
        )
    from trading.contexts.backtest.adapters.outbound.executors.ray_executor import RayExecutor

    return RayExecutor(cluster_address(address, distributed), distributed.cpus_per_task, distributed.task_retries)
