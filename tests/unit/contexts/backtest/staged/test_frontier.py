import hashlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.contexts.backtest.application.services.frontier import Frontier, RankingSpec
from trading.contexts.backtest.domain.value_objects.execution import METRIC_DESCENDING, RANKING_METRICS


def _key(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def _keys(ids: np.ndarray) -> list[str]:
    return [_key(int(i)) for i in ids]


def _full_sort(metrics: np.ndarray, spec: RankingSpec) -> list[int]:
    """Reference: Python sort by (nan, signed primary, nan, signed secondary, key)."""

    def rank_key(i: int) -> tuple:
        parts: list = []
        for name in spec.metric_names:
            v = metrics[i, RANKING_METRICS.index(name)]
            parts += [np.isnan(v), 0.0 if np.isnan(v) else (-v if METRIC_DESCENDING[name] else v)]
        return (*parts, _key(i))

    return sorted(range(metrics.shape[0]), key=rank_key)


metric_values = st.sampled_from([np.nan, np.inf, -1.5, 0.0, 0.5, 1.0, 2.0, 3.25, 10.0])


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(*[metric_values] * len(RANKING_METRICS)), min_size=0, max_size=120),
    capacity=st.integers(1, 25),
    block=st.integers(1, 40),
    primary=st.sampled_from(RANKING_METRICS),
    secondary=st.sampled_from((None, *RANKING_METRICS)),
)
def test_frontier_equals_full_sort(rows, capacity, block, primary, secondary) -> None:
    if secondary == primary:
        secondary = None
    spec = RankingSpec(primary, secondary)
    metrics = np.array(rows, dtype=np.float64).reshape(-1, len(RANKING_METRICS))
    frontier = Frontier(capacity, spec)
    for start in range(0, metrics.shape[0], block):
        ids = np.arange(start, min(start + block, metrics.shape[0]), dtype=np.int64)
        frontier.offer(ids, metrics[ids], _keys)
    assert frontier.ids.tolist() == _full_sort(metrics, spec)[:capacity]


def test_nan_sorts_last_for_both_directions() -> None:
    metrics = np.array([[np.nan, np.nan, 0, 0], [1.0, 5.0, 0, 0], [-3.0, 1.0, 0, 0]])
    ids = np.arange(3, dtype=np.int64)
    for primary, expected in (("total_return_pct", [1, 2, 0]), ("max_drawdown_pct", [2, 1, 0])):
        frontier = Frontier(3, RankingSpec(primary))  # type: ignore[arg-type]
        frontier.offer(ids, metrics, _keys)
        assert frontier.ids.tolist() == expected


def test_keys_are_computed_only_for_possible_entrants() -> None:
    rng = np.random.default_rng(7)
    metrics = np.column_stack([rng.normal(size=100_000), np.zeros((100_000, 3))])
    frontier = Frontier(10, RankingSpec())
    for start in range(0, 100_000, 10_000):
        ids = np.arange(start, start + 10_000, dtype=np.int64)
        frontier.offer(ids, metrics[ids], _keys)
    assert frontier.ids.tolist() == np.argsort(-metrics[:, 0], kind="stable")[:10].tolist()
    # First block: 10 keys; later blocks only rows beating the current worst (a handful each).
    assert frontier.keys_computed < 200


def test_offer_reports_change_only_when_the_top_changes() -> None:
    frontier = Frontier(2, RankingSpec())
    metrics = np.array([[5.0, 0, 0, 0], [4.0, 0, 0, 0]])
    assert frontier.offer(np.array([0, 1]), metrics, _keys) is True
    assert frontier.offer(np.array([2]), np.array([[1.0, 0, 0, 0]]), _keys) is False
    assert frontier.offer(np.array([3]), np.array([[9.0, 0, 0, 0]]), _keys) is True
    assert frontier.ids.tolist() == [3, 0]


def test_state_round_trip_is_bit_exact_and_keeps_ranking() -> None:
    import json

    frontier = Frontier(3, RankingSpec("profit_factor"))
    metrics = np.array([[1.0, 2.0, np.inf, np.inf], [0.1, 0.2, 0.5, np.nan], [-0.0, 1e-300, -2.5, 1 / 3]])
    frontier.offer(np.array([4, 5, 6]), metrics, _keys)
    restored = Frontier.from_state(3, RankingSpec("profit_factor"), json.loads(json.dumps(frontier.to_state())))
    assert restored.ids.tolist() == frontier.ids.tolist() == [4, 6, 5]
    assert restored.metrics.tobytes() == frontier.metrics.tobytes()
    assert restored.signature() == frontier.signature()
    more = np.array([[0.0, 0.0, 0.0, 7.0]])
    assert restored.offer(np.array([9]), more, _keys) == frontier.offer(np.array([9]), more, _keys)
    assert restored.ids.tolist() == frontier.ids.tolist() == [4, 9, 6]
