"""When a search goes to the cluster, with which driver settings, and at which address.

A search whose estimated single-thread work is under `local_below_seconds` runs in-process even when
a cluster is configured: shipping and per-task overhead would cost more than they save.
"""

from __future__ import annotations

import os

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Distributed
from trading.contexts.backtest.application.services.shard_plan import ShardSizing, estimated_seconds
from trading.contexts.backtest.application.services.sharded_search_driver import DriverSettings
from trading.contexts.backtest.application.services.staged_runner_v1 import SearchPlan
from trading.shared.errors import DomainError

CLUSTER_ADDRESS_ENV = "TRADING_CLUSTER_ADDRESS"


def cluster_address(flag: str | None, distributed: Distributed) -> str:
    """--cluster, else TRADING_CLUSTER_ADDRESS, else `distributed.address`."""
    address = flag or os.environ.get(CLUSTER_ADDRESS_ENV) or distributed.address
    if not address:
        raise DomainError(
            "cluster_address_missing",
            f"no Ray cluster address: pass --cluster HOST:PORT, set {CLUSTER_ADDRESS_ENV} "
            "or backtest.distributed.address",
        )
    return address


def search_seconds_estimate(plan: SearchPlan) -> float:
    """Single-thread scoring seconds of both stages, from the plan's sizes only."""
    n_bars = plan.timeline.n_target
    return estimated_seconds(plan.sizes.stage_a, 1, n_bars) + estimated_seconds(plan.sizes.stage_b, 1, n_bars)


def runs_on_cluster(plan: SearchPlan, distributed: Distributed) -> bool:
    return search_seconds_estimate(plan) >= distributed.local_below_seconds


def driver_settings(distributed: Distributed, shards: int | None = None) -> DriverSettings:
    return DriverSettings(
        sizing=ShardSizing(distributed.target_task_seconds, distributed.min_tasks_per_slot, shards),
        in_flight_per_slot=distributed.in_flight_per_slot,
        stall_timeout_seconds=distributed.stall_timeout_seconds,
        verify_top_n=distributed.verify_top_n,
    )
