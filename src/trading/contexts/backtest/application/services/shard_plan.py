"""How a stage is cut into shards: contiguous id ranges sized from a cost estimate.

Cost is counted in variant-bars (variants scored x bars), the unit the scoring kernel's throughput is
measured in. A shard aims at `target_task_seconds` of single-thread work, and every stage gets at least
`min_tasks_per_slot` shards per executor slot so a slow or lost worker never leaves the others idle.
The cut never changes the result (any partition merges to the same top), only the overheads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

# Single-thread scoring cost per variant-bar measured by bench/bench_scorer.py (3.1 ns) plus signal
# combination and frontier work; only shard sizing depends on it.
SECONDS_PER_VARIANT_BAR = 3.5e-9


@dataclass(frozen=True)
class ShardSizing:
    target_task_seconds: float
    min_tasks_per_slot: int
    shards: int | None = None  # an exact count (tests, benchmarks); None = from the cost estimate


def estimated_seconds(units: int, variants_per_unit: int, n_bars: int) -> float:
    """Single-thread seconds to score `units` ids of a stage (each `variants_per_unit` variants)."""
    return units * variants_per_unit * n_bars * SECONDS_PER_VARIANT_BAR


def plan_ranges(units: int, variants_per_unit: int, n_bars: int, slots: int, sizing: ShardSizing) -> list[range]:
    """Contiguous, non-empty ranges covering [0, units) in order; their index is the shard id."""
    if units <= 0:
        return []
    if sizing.shards is not None:
        count = sizing.shards
    else:
        by_cost = math.ceil(estimated_seconds(units, variants_per_unit, n_bars) / sizing.target_task_seconds)
        count = max(by_cost, sizing.min_tasks_per_slot * max(1, slots))
    count = max(1, min(count, units))
    bounds = [units * i // count for i in range(count + 1)]
    return [range(start, stop) for start, stop in pairwise(bounds)]
