"""Bounded top-N by the ranking key with lazy identity keys.

The ranking key is (primary metric, secondary metric, variant_key), NaN last whatever the direction.
Keys are SHA-256 strings and cost real time, so a block's variants get a key only when their metrics
could place them in the frontier (strictly better than its worst, or tied with it). The result always
equals a full sort of every offered variant by the ranking key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from trading.contexts.backtest.domain.value_objects.execution import (
    METRIC_DESCENDING,
    RANKING_METRICS,
    RankingMetricName,
)
from trading.contexts.backtest.domain.value_objects.metric_constraints import MetricConstraint

KeyFunction = Callable[[np.ndarray], Sequence[str]]


@dataclass(frozen=True)
class RankingSpec:
    primary: RankingMetricName = "total_return_pct"
    secondary: RankingMetricName | None = None
    constraints: tuple[MetricConstraint, ...] = ()
    # Stage B keeps one row per distinct outcome (see outcome_frontier.py); Stage A never collapses.
    collapse_same_outcome: bool = False

    @property
    def metric_names(self) -> tuple[RankingMetricName, ...]:
        return (self.primary,) if self.secondary is None else (self.primary, self.secondary)

    @property
    def metrics_read(self) -> frozenset[str]:
        """Every metric the search ranks or filters by: those must be computed."""
        return frozenset(self.metric_names) | {c.metric for c in self.constraints}


def sort_columns(metrics: np.ndarray, spec: RankingSpec) -> list[np.ndarray]:
    """Columns whose lexicographic ascending order is the ranking order: (nan flag, signed value) per metric."""
    columns: list[np.ndarray] = []
    for name in spec.metric_names:
        values = metrics[:, RANKING_METRICS.index(name)]
        is_nan = np.isnan(values)
        signed = -values if METRIC_DESCENDING[name] else values
        columns.append(is_nan.astype(np.int8))
        columns.append(np.where(is_nan, 0.0, signed))
    return columns


def _tuples_not_after(columns: list[np.ndarray], bound: list[float]) -> np.ndarray:
    """Mask of rows whose column tuple is lexicographically <= `bound`."""
    result = np.zeros(columns[0].shape[0], dtype=bool)
    equal_so_far = np.ones_like(result)
    for column, limit in zip(columns, bound, strict=True):
        result |= equal_so_far & (column < limit)
        equal_so_far &= column == limit
    return result | equal_so_far


def _lexsort(columns: list[np.ndarray], keys: np.ndarray | None = None) -> np.ndarray:
    order_keys = ([keys] if keys is not None else []) + columns[::-1]
    return np.lexsort(order_keys)


class Frontier:
    """Keeps the best `capacity` variants seen so far, in rank order."""

    def __init__(self, capacity: int, spec: RankingSpec) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self.spec = spec
        self.ids = np.empty(0, dtype=np.int64)
        self.metrics = np.empty((0, len(RANKING_METRICS)), dtype=np.float64)
        self.keys = np.empty(0, dtype=object)
        self.keys_computed = 0
        # Variants each constraint kept out of this frontier (summed over chunks, or over merged shards).
        self.rejections = np.zeros(len(spec.constraints), dtype=np.int64)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def offer(self, ids: np.ndarray, metrics: np.ndarray, key_of: KeyFunction) -> bool:
        """Merge a scored block; returns True when the frontier changed."""
        if ids.shape[0] == 0:
            return False
        if len(self) == 0:
            self.metrics = np.empty((0, metrics.shape[1]), dtype=np.float64)
        columns = sort_columns(metrics, self.spec)
        candidates = np.arange(ids.shape[0])
        if len(self) == self.capacity:
            worst = [float(c[-1]) for c in sort_columns(self.metrics, self.spec)]
            candidates = candidates[_tuples_not_after(columns, worst)]
        if candidates.shape[0] > self.capacity:
            candidates = self._cut_to_capacity(candidates, columns)
        if candidates.shape[0] == 0:
            return False
        new_keys = np.asarray(list(key_of(ids[candidates])), dtype=object)
        self.keys_computed += int(new_keys.shape[0])
        merged_ids = np.concatenate([self.ids, ids[candidates]])
        merged_metrics = np.concatenate([self.metrics, metrics[candidates]])
        merged_keys = np.concatenate([self.keys, new_keys])
        order = _lexsort(sort_columns(merged_metrics, self.spec), merged_keys.astype(str))[: self.capacity]
        changed = not np.array_equal(merged_ids[order], self.ids)
        self.ids, self.metrics, self.keys = merged_ids[order], merged_metrics[order], merged_keys[order]
        return changed

    def _cut_to_capacity(self, candidates: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
        """Only rows tied with or better than the capacity-th best row can make it."""
        sub = [c[candidates] for c in columns]
        order = _lexsort(sub)
        bound = [float(c[order[self.capacity - 1]]) for c in sub]
        return candidates[_tuples_not_after(sub, bound)]

    def signature(self) -> tuple[tuple[str, ...], bytes]:
        """Identity of the current top (keys and metric bits): equal signatures mean nothing to persist."""
        return tuple(str(k) for k in self.keys), self.metrics.tobytes()

    def to_state(self) -> dict[str, list]:
        """JSON-safe and bit-exact (metrics as float.hex, so NaN and inf survive), for job checkpoints;
        rejection counts appear only when the search has constraints."""
        state: dict[str, list] = {
            "ids": [int(i) for i in self.ids],
            "metrics": [[float(v).hex() for v in row] for row in self.metrics],
            "keys": [str(k) for k in self.keys],
        }
        if self.spec.constraints:
            state["rejections"] = [int(n) for n in self.rejections]
        return state

    @classmethod
    def from_state(cls, capacity: int, spec: RankingSpec, state: dict[str, list]) -> Frontier:
        frontier = cls(capacity, spec)
        frontier.ids = np.array(state["ids"], dtype=np.int64)
        metrics = [[float.fromhex(v) for v in row] for row in state["metrics"]]
        if metrics:
            frontier.metrics = np.array(metrics, dtype=np.float64)
        frontier.keys = np.array(state["keys"], dtype=object)
        if "rejections" in state:
            frontier.rejections = np.array(state["rejections"], dtype=np.int64)
        return frontier
