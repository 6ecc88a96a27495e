"""Same-outcome frontier against a plain-Python reference: group every variant by its metric row's bits,
order the groups by ranking metrics then the whole row, count members, list the first by key."""

import hashlib
import math
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.contexts.backtest.application.services.frontier import RankingSpec
from trading.contexts.backtest.application.services.outcome_frontier import MEMBERS_SHOWN, OutcomeFrontier
from trading.contexts.backtest.domain.value_objects.execution import METRIC_DESCENDING, RANKING_METRICS


def _key(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def _keys(ids: np.ndarray) -> list[str]:
    return [_key(int(i)) for i in ids]


def _bits(row: np.ndarray) -> tuple:
    return tuple("nan" if math.isnan(v) else struct.pack("<d", v) for v in row)


def _reference(metrics: np.ndarray, spec: RankingSpec, capacity: int) -> list[tuple[int, int, list[int]]]:
    """(representative id, count, first members) per outcome, best first."""
    groups: dict[tuple, list[int]] = {}
    for i in range(metrics.shape[0]):
        groups.setdefault(_bits(metrics[i]), []).append(i)

    def directed(row: np.ndarray, names: tuple) -> list:
        parts: list = []
        for name in names:
            v = row[RANKING_METRICS.index(name)]
            parts += [math.isnan(v), 0.0 if math.isnan(v) else (-v if METRIC_DESCENDING[name] else v)]
        return parts

    def order(members: list[int]) -> tuple:
        row = metrics[members[0]]
        negative_zeros = sum(1 << c for c, v in enumerate(row) if v == 0.0 and math.copysign(1.0, v) < 0)
        return (*directed(row, spec.metric_names), *directed(row, RANKING_METRICS), negative_zeros)

    ranked = sorted(groups.values(), key=order)[:capacity]
    result = []
    for members in ranked:
        by_key = sorted(members, key=_key)
        result.append((by_key[0], len(members), by_key[:MEMBERS_SHOWN]))
    return result


def _entries(frontier: OutcomeFrontier) -> list[tuple[int, int, list[int]]]:
    return [
        (int(ids[0]), int(count), [int(i) for i in ids if i >= 0])
        for ids, count in zip(frontier.member_ids, frontier.counts, strict=True)
    ]


# Few distinct values, so outcomes repeat (the case collapsing exists for) and ranking ties are common.
metric_values = st.sampled_from([np.nan, np.inf, -1.5, -0.0, 0.0, 1.0, 3.25])


def _metrics(outcome_rows: list, picks: list[int]) -> np.ndarray:
    outcomes = np.array(outcome_rows, dtype=np.float64).reshape(-1, len(RANKING_METRICS))
    return outcomes[np.array(picks, dtype=np.int64) % outcomes.shape[0]]


@settings(max_examples=150, deadline=None)
@given(
    outcome_rows=st.lists(st.tuples(*[metric_values] * len(RANKING_METRICS)), min_size=1, max_size=12),
    picks=st.lists(st.integers(0, 11), min_size=1, max_size=150),
    capacity=st.integers(1, 8),
    block=st.integers(1, 40),
    primary=st.sampled_from(RANKING_METRICS),
    seed=st.integers(0, 2**32 - 1),
)
def test_chunks_shards_and_order_of_arrival_give_the_reference(outcome_rows, picks, capacity, block, primary, seed):
    spec = RankingSpec(primary)
    metrics = _metrics(outcome_rows, picks)
    expected = _reference(metrics, spec, capacity)
    in_blocks = OutcomeFrontier(capacity, spec)
    for start in range(0, metrics.shape[0], block):
        ids = np.arange(start, min(start + block, metrics.shape[0]), dtype=np.int64)
        in_blocks.offer(ids, metrics[ids], _keys)
    assert _entries(in_blocks) == expected

    # Shards: a random cut, each shard's own top merged into one frontier in a random order.
    rng = np.random.default_rng(seed)
    n = metrics.shape[0]
    cuts = np.sort(rng.choice(np.arange(1, n), size=min(3, n - 1), replace=False)) if n > 1 else []
    bounds = [0, *(int(c) for c in cuts), n]
    merged = OutcomeFrontier(capacity, spec)
    for shard in rng.permutation(len(bounds) - 1):
        ids = rng.permutation(np.arange(bounds[shard], bounds[shard + 1], dtype=np.int64))
        part = OutcomeFrontier(capacity, spec)
        part.offer(ids, metrics[ids], _keys)
        merged.offer_groups(part.metrics, part.counts, part.member_ids, _keys)
    assert _entries(merged) == expected


def test_variants_with_one_outcome_are_one_row_with_their_count() -> None:
    base = np.zeros(len(RANKING_METRICS))
    metrics = np.array([base + 2.0, base + 1.0, base + 2.0, base + 2.0, base + 1.0, base + 5.0])
    frontier = OutcomeFrontier(2, RankingSpec())
    frontier.offer(np.arange(6, dtype=np.int64), metrics, _keys)
    assert frontier.counts.tolist() == [1, 3]  # 5.0 once, then 2.0 three times; 1.0 is third
    assert frontier.ids.tolist() == [5, min((0, 2, 3), key=_key)]
    assert sorted(int(i) for i in frontier.member_ids[1] if i >= 0) == [0, 2, 3]


def test_members_arriving_after_the_top_is_full_are_still_counted() -> None:
    base = np.zeros(len(RANKING_METRICS))
    frontier = OutcomeFrontier(1, RankingSpec())
    frontier.offer(np.array([0, 1]), np.array([base + 3.0, base + 1.0]), _keys)
    assert frontier.offer(np.array([7]), np.array([base + 3.0]), _keys) is True  # the count changed
    assert frontier.offer(np.array([8]), np.array([base + 1.0]), _keys) is False
    assert frontier.counts.tolist() == [2]
    assert frontier.ids.tolist() == [min((0, 7), key=_key)]


def test_state_round_trip_is_exact() -> None:
    base = np.zeros(len(RANKING_METRICS))
    frontier = OutcomeFrontier(3, RankingSpec())
    frontier.offer(np.arange(5, dtype=np.int64), np.array([base + np.inf, base, base, base + np.nan, base]), _keys)
    restored = OutcomeFrontier.from_state(3, RankingSpec(), frontier.to_state())
    assert restored.signature() == frontier.signature()
    assert _entries(restored) == _entries(frontier)
