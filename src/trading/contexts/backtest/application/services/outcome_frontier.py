"""Bounded top-N of distinct outcomes: the Stage B frontier when same outcomes collapse (trust.md §3).

Variants whose metric rows are bit-identical (NaN equal to NaN, -0.0 equal to 0.0) had the same
outcome: same trades, final equity, drawdown and trade PnL sums. One entry stands for all of them:
its count, and its first `MEMBERS_SHOWN` members by `variant_key` (the first one represents it).

Outcomes are ordered by the ranking metrics, then by their whole metric row (catalogue order, each
metric in its direction, NaN last), never by a key: an outcome's place is fixed by its numbers, so an
outcome that falls out of the top can never come back, and every member of a kept outcome is counted
wherever and whenever it arrives. Merging any partition of the variants, in any order, in any chunk
size gives the same entries, counts and members (sums and a sort by key are order-free).
"""

from __future__ import annotations

import numpy as np

from trading.contexts.backtest.application.ports.staged_runner import OutcomeGroups, ShardResult
from trading.contexts.backtest.application.services.frontier import (
    Frontier,
    KeyFunction,
    RankingSpec,
    _lexsort,
    _tuples_not_after,
    sort_columns,
)
from trading.contexts.backtest.domain.value_objects.ranking_metrics import RANKING_METRICS

MEMBERS_SHOWN = 5
_NO_MEMBER = -1
_BIT_OF_METRIC = np.left_shift(np.int64(1), np.arange(len(RANKING_METRICS), dtype=np.int64))


def outcome_columns(metrics: np.ndarray, spec: RankingSpec) -> list[np.ndarray]:
    """Columns whose ascending lexicographic order is the outcome order; equal columns = same outcome.
    The last column tells -0.0 from 0.0, which compare equal but are different bits."""
    every_metric = [column for name in RANKING_METRICS for column in sort_columns(metrics, RankingSpec(name))]
    negative_zeros = ((metrics == 0.0) & np.signbit(metrics)).astype(np.int64) @ _BIT_OF_METRIC
    return [*sort_columns(metrics, spec), *every_metric, negative_zeros]


def _group_starts(columns: list[np.ndarray]) -> np.ndarray:
    """True where a sorted row differs from the row before it in any column."""
    starts = np.zeros(columns[0].shape[0], dtype=bool)
    starts[:1] = True
    for column in columns:
        starts[1:] |= column[1:] != column[:-1]
    return starts


class OutcomeFrontier(Frontier):
    """Keeps the best `capacity` outcomes seen so far, in rank order, with exact member counts.
    `ids`, `keys` and `metrics` are the representatives' (the smallest variant_key of each outcome),
    so every reader of a Frontier reads an OutcomeFrontier the same way."""

    def __init__(self, capacity: int, spec: RankingSpec) -> None:
        super().__init__(capacity, spec)
        self.counts = np.empty(0, dtype=np.int64)
        self.member_ids = np.empty((0, MEMBERS_SHOWN), dtype=np.int64)
        self.member_keys = np.empty((0, MEMBERS_SHOWN), dtype=object)

    def offer(self, ids: np.ndarray, metrics: np.ndarray, key_of: KeyFunction) -> bool:
        """Merge a scored block of single variants; returns True when the top (or a count) changed."""
        ones = np.ones(ids.shape[0], dtype=np.int64)
        return self.offer_groups(metrics, ones, ids.reshape(-1, 1), key_of)

    def offer_groups(
        self, metrics: np.ndarray, counts: np.ndarray, member_ids: np.ndarray, key_of: KeyFunction
    ) -> bool:
        """Merge outcomes found elsewhere (a shard's top): per row its metrics, member count and first
        member ids (-1 padded). A plain block is the case of one member per row."""
        if counts.shape[0] == 0:
            return False
        rows = self._rows_that_can_enter(metrics)
        if rows.shape[0] == 0:
            return False
        n_old = len(self)
        merged_metrics = np.concatenate([self.metrics, metrics[rows]])
        merged_counts = np.concatenate([self.counts, counts[rows]])
        columns = outcome_columns(merged_metrics, self.spec)
        order = _lexsort(columns)
        starts = _group_starts([c[order] for c in columns])
        group = np.cumsum(starts) - 1
        kept = group < self.capacity
        order, group, starts = order[kept], group[kept], starts[kept]
        n_groups = int(group[-1]) + 1
        new_counts = np.bincount(group, weights=merged_counts[order], minlength=n_groups).astype(np.int64)
        new_member_ids, new_member_keys = self._first_members(order, group, n_old, rows, member_ids, key_of)
        changed = not (np.array_equal(new_member_ids[:, 0], self.ids) and np.array_equal(new_counts, self.counts))
        self._set(merged_metrics[order[starts]], new_counts, new_member_ids, new_member_keys)
        return changed

    def _set(self, metrics: np.ndarray, counts: np.ndarray, member_ids: np.ndarray, member_keys: np.ndarray) -> None:
        self.metrics, self.counts, self.member_ids, self.member_keys = metrics, counts, member_ids, member_keys
        self.ids, self.keys = member_ids[:, 0].copy(), member_keys[:, 0].copy()

    def _rows_that_can_enter(self, metrics: np.ndarray) -> np.ndarray:
        """Cheap cut on the ranking metrics alone: rows tied with or better than the worst kept outcome,
        and among those only the first `capacity` distinct ranking tuples (each holds >= 1 outcome)."""
        ranked = sort_columns(metrics, self.spec)
        rows = np.arange(metrics.shape[0])
        if len(self) == self.capacity:
            worst = [float(c[-1]) for c in sort_columns(self.metrics, self.spec)]
            rows = rows[_tuples_not_after(ranked, worst)]
        if rows.shape[0] <= self.capacity:
            return rows
        sub = [c[rows] for c in ranked]
        order = _lexsort(sub)
        distinct_rank = np.cumsum(_group_starts([c[order] for c in sub]))
        return rows[order[: int(np.searchsorted(distinct_rank, self.capacity, side="right"))]]

    def _first_members(
        self,
        order: np.ndarray,
        group: np.ndarray,
        n_old: int,
        rows: np.ndarray,
        member_ids: np.ndarray,
        key_of: KeyFunction,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each kept outcome's first MEMBERS_SHOWN members by key; keys are computed only for the new
        members of kept outcomes (the old ones kept theirs)."""
        is_old = order < n_old
        old_ids = self.member_ids[order[is_old]]
        old_keys = self.member_keys[order[is_old]]
        new_ids = member_ids[rows[order[~is_old] - n_old]]
        new_real = new_ids >= 0
        flat_new_ids = new_ids[new_real]
        flat_new_keys = np.asarray(list(key_of(flat_new_ids)), dtype=object)
        self.keys_computed += int(flat_new_ids.shape[0])
        old_real = old_ids >= 0
        all_ids = np.concatenate([old_ids[old_real], flat_new_ids])
        all_keys = np.concatenate([old_keys[old_real], flat_new_keys]).astype(str)
        all_groups = np.concatenate(
            [
                np.broadcast_to(group[is_old][:, None], old_ids.shape)[old_real],
                np.broadcast_to(group[~is_old][:, None], new_ids.shape)[new_real],
            ]
        )
        by_key = np.lexsort((all_keys, all_groups))
        sorted_groups = all_groups[by_key]
        first_of_group = np.searchsorted(sorted_groups, sorted_groups, side="left")
        slot = np.arange(by_key.shape[0]) - first_of_group
        shown = slot < MEMBERS_SHOWN
        n_groups = int(group[-1]) + 1
        out_ids = np.full((n_groups, MEMBERS_SHOWN), _NO_MEMBER, dtype=np.int64)
        out_keys = np.full((n_groups, MEMBERS_SHOWN), "", dtype=object)
        out_ids[sorted_groups[shown], slot[shown]] = all_ids[by_key][shown]
        out_keys[sorted_groups[shown], slot[shown]] = all_keys[by_key][shown]
        return out_ids, out_keys

    def signature(self) -> tuple[tuple[str, ...], bytes]:
        """Identity of the current top (members, counts and metric bits): equal means nothing to persist."""
        return tuple(str(k) for k in self.member_keys.ravel()), self.metrics.tobytes() + self.counts.tobytes()

    def to_state(self) -> dict[str, list]:
        """The plain frontier's state plus the groups: JSON-safe and bit-exact, for checkpoints."""
        return super().to_state() | {
            "counts": [int(c) for c in self.counts],
            "member_ids": [[int(i) for i in row] for row in self.member_ids],
            "member_keys": [[str(k) for k in row] for row in self.member_keys],
        }

    @classmethod
    def from_state(cls, capacity: int, spec: RankingSpec, state: dict[str, list]) -> OutcomeFrontier:
        frontier = super().from_state(capacity, spec, state)
        assert isinstance(frontier, OutcomeFrontier)
        if len(frontier):
            frontier._set(
                frontier.metrics,
                np.array(state["counts"], dtype=np.int64),
                np.array(state["member_ids"], dtype=np.int64),
                np.array(state["member_keys"], dtype=object),
            )
        return frontier


def stage_b_frontier(capacity: int, spec: RankingSpec) -> Frontier:
    """The Stage B top: one row per outcome when the ranking collapses same outcomes, else per variant."""
    return OutcomeFrontier(capacity, spec) if spec.collapse_same_outcome else Frontier(capacity, spec)


def stage_b_frontier_from_state(capacity: int, spec: RankingSpec, state: dict[str, list]) -> Frontier:
    kind = OutcomeFrontier if spec.collapse_same_outcome else Frontier
    return kind.from_state(capacity, spec, state)


def shard_groups(frontier: Frontier) -> OutcomeGroups | None:
    """What a shard ships besides ids and metrics: its outcome groups, if its top collapses them."""
    if isinstance(frontier, OutcomeFrontier):
        return OutcomeGroups(frontier.counts.copy(), frontier.member_ids.copy())
    return None


def merge_shard_top(frontier: Frontier, result: ShardResult, key_of: KeyFunction) -> bool:
    """Merge a shard's top; an outcome frontier adds the shard's counts and members to its own."""
    if isinstance(frontier, OutcomeFrontier):
        if result.groups is None:
            raise ValueError(f"shard {result.shard_id} of {result.stage} sent no outcome groups")
        return frontier.offer_groups(result.metrics, result.groups.counts, result.groups.member_ids, key_of)
    return frontier.offer(result.ids, result.metrics, key_of)
