"""`trading cluster check`: every alive node runs the golden search and reports its versions; any
difference from this process (the driver) names the node."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from trading.contexts.backtest.adapters.outbound.executors.ray_executor import connect_ray
from trading.contexts.backtest.application.services.golden_search import golden_digest, node_versions


@dataclass(frozen=True)
class NodeReport:
    node: str
    versions: dict[str, str]
    digest: str

    def problems(self, driver: NodeReport) -> list[str]:
        found = [
            f"{name} {value} (driver has {driver.versions.get(name)})"
            for name, value in self.versions.items()
            if value != driver.versions.get(name)
        ]
        if self.digest != driver.digest:
            found.append(f"golden-search digest {self.digest[:16]} (driver has {driver.digest[:16]})")
        return found


def _node_report(node: str) -> NodeReport:
    return NodeReport(node, node_versions(), golden_digest())


def check_cluster(address: str, timeout_seconds: float = 300) -> tuple[NodeReport, list[NodeReport]]:
    """(driver report, one report per alive node); each node's task is pinned to that node."""
    ray = connect_ray(address)
    scheduling = importlib.import_module("ray.util.scheduling_strategies")
    remote = ray.remote(_node_report)
    refs = []
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        strategy = scheduling.NodeAffinitySchedulingStrategy(node_id=node["NodeID"], soft=False)
        name = f"{node['NodeManagerAddress']} ({node['NodeID'][:12]})"
        refs.append(remote.options(scheduling_strategy=strategy, num_cpus=1).remote(name))
    reports = ray.get(refs, timeout=timeout_seconds)
    return _node_report("driver"), list(reports)
