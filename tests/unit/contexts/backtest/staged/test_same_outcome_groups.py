"""Same-outcome groups end to end (issue 11, trust.md §3): stops that never trigger collapse to one row
per signal variant with the right member counts, identical for every chunk size and thread count, equal
to grouping a brute-force score of every variant; `collapse_same_outcome: false` keeps one row per variant."""

from dataclasses import replace
from typing import Any

import numba
import numpy as np
import pytest

from tests.unit.contexts.backtest.staged.test_constraints import _median_constraints, _passes
from tests.unit.contexts.backtest.staged.test_staged_runner import _request as staged_request
from tests.unit.contexts.backtest.staged.test_staged_runner import every_variant
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.frontier import Frontier, sort_columns
from trading.contexts.backtest.application.services.outcome_frontier import OutcomeFrontier, outcome_columns
from trading.contexts.backtest.application.services.staged_runner_v1 import (
    PreparedSearch,
    plan_search,
    prepare_search,
)
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest

WINDOWS = [3, 5, 8, 13, 21, 34]
# Close-checked stops 60-90% away and take-profits of 5000-9000% never trigger on a few days of 1m noise.
NEVER_SL = [None, 60.0, 90.0]
NEVER_TP = [None, 5000.0, 9000.0]


def _request(**overrides: Any) -> RunBacktestRequest:
    """The staged tests' request over 6 x 3 signal variants and stops that never trigger, full grid."""
    never = {"sl_pct": {"mode": "explicit", "values": NEVER_SL}, "tp_pct": {"mode": "explicit", "values": NEVER_TP}}
    sma = {"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": WINDOWS}}}
    ema = {"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [5, 8, 13]}}}
    body: dict[str, Any] = {"indicators": [sma, ema], "risk": never, "top_k": 1_000, "preselect": 1_000}
    return staged_request(**{**body, **overrides})


class _Quiet:
    def on_progress(self, stage: str, processed: int, total: int) -> None: ...

    def should_stop(self) -> bool:
        return False

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None: ...


def _grouped_reference(metrics: np.ndarray, keys: np.ndarray, prepared: PreparedSearch) -> list[tuple]:
    """(representative key, count, metric bytes) per outcome: group by the metric row's bits, order the
    outcomes by the ranking metrics then the whole row."""
    spec = prepared.core.spec
    canonical = np.where(np.isnan(metrics), np.nan, metrics)
    _, first, inverse, counts = np.unique(
        canonical.view(np.dtype((np.void, metrics.shape[1] * 8))).ravel(),
        return_index=True,
        return_inverse=True,
        return_counts=True,
    )
    representative = [min(keys[inverse.ravel() == g]) for g in range(first.size)]
    order = np.lexsort(outcome_columns(metrics[first], spec)[::-1])
    return [(representative[g], int(counts[g]), metrics[first[g]].tobytes()) for g in order]


def _groups(frontier: Frontier) -> list[tuple]:
    assert isinstance(frontier, OutcomeFrontier)
    return [
        (str(key), int(count), row.tobytes())
        for key, count, row in zip(frontier.keys, frontier.counts, frontier.metrics, strict=True)
    ]


def _full_state(frontier: Frontier) -> tuple:
    assert isinstance(frontier, OutcomeFrontier)
    return frontier.signature(), frontier.member_ids.tobytes(), frontier.ids.tobytes()


@pytest.fixture(scope="module")
def never_triggering(backtest_ctx: BacktestContext) -> PreparedSearch:
    return prepare_search(plan_search(_request(), backtest_ctx.store(), backtest_ctx.config))


def test_a_grid_whose_stops_never_trigger_returns_one_row_per_signal_variant(backtest_ctx: BacktestContext) -> None:
    response = run_backtest(_request(), backtest_ctx)
    n_signal_variants, n_risk = len(WINDOWS) * 3, len(NEVER_SL) * len(NEVER_TP)
    assert response.ranking.collapse_same_outcome is True  # the config default
    assert response.stage_b_variants_total == n_signal_variants * n_risk
    assert len(response.variants) == n_signal_variants
    assert len({v.payload.model_dump_json(exclude={"risk_params"}) for v in response.variants}) == n_signal_variants
    for row in response.variants:
        group = row.same_outcome
        assert group is not None and group.count == n_risk
        assert group.members[0].variant_key == row.variant_key
        assert [m.variant_key for m in group.members] == sorted(m.variant_key for m in group.members)
        assert len(group.members) == 5  # the first five of nine by key, told apart by their stops only
        assert all(set(m.params) <= {"sl_pct", "tp_pct"} and m.params for m in group.members)
    off = run_backtest(_request(ranking={"collapse_same_outcome": False}), backtest_ctx)
    assert len(off.variants) == n_signal_variants * n_risk and all(v.same_outcome is None for v in off.variants)
    # Each outcome is the risk-off outcome of its signal variant: the collapsed rows are the first of each.
    firsts = list({tuple(v.ranking_metrics.values()): v.variant_key for v in reversed(off.variants)}.values())
    assert sorted(firsts) == sorted(v.variant_key for v in response.variants)


def test_same_rows_for_chunk_sizes_1_to_all_and_1_or_2_threads(never_triggering: PreparedSearch) -> None:
    core = never_triggering.core
    shortlist = core.stage_a(1_000, _Quiet())
    n_positions = int(shortlist.size)
    per_position = core.space.n_bars * core.risk.size
    reference = core.stage_b(shortlist, 1_000, _Quiet())
    assert isinstance(reference, OutcomeFrontier)
    metrics, keys = every_variant(never_triggering)  # preselect >= Stage A: the shortlist is every base
    assert _groups(reference) == _grouped_reference(metrics, keys, never_triggering)
    assert reference.counts.tolist() == [core.risk.size] * n_positions
    threads_before = numba.get_num_threads()
    try:
        for threads in (1, 2):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
            for positions_per_chunk in range(1, n_positions + 1):
                chunked = replace(core, chunk_variant_bars=positions_per_chunk * per_position)
                assert _full_state(chunked.stage_b(shortlist, 1_000, _Quiet())) == _full_state(reference)
    finally:
        numba.set_num_threads(threads_before)


@pytest.mark.parametrize(
    "ranking",
    [
        {"primary_metric": "total_return_pct"},
        {"primary_metric": "num_trades", "secondary_metric": "max_drawdown_pct"},
        {"primary_metric": "profit_factor"},
    ],
)
@pytest.mark.parametrize("top_k", [1, 7, 1_000])
def test_collapsed_top_equals_grouping_every_variant(backtest_ctx: BacktestContext, ranking: dict, top_k: int) -> None:
    """Stops that do trigger (0.3-1.5%): many distinct outcomes, some shared; exact for any top_k."""
    request = _request(
        ranking=ranking,
        top_k=top_k,
        risk={
            "sl_pct": {"mode": "explicit", "values": [None, 0.3, 80.0]},
            "tp_pct": {"mode": "explicit", "values": [None, 1.5, 6000.0]},
        },
    )
    prepared = prepare_search(plan_search(request, backtest_ctx.store(), backtest_ctx.config))
    shortlist = prepared.core.stage_a(1_000, _Quiet())
    top = prepared.core.stage_b(shortlist, top_k, _Quiet())
    metrics, keys = every_variant(prepared)
    reference = _grouped_reference(metrics, keys, prepared)
    assert _groups(top) == reference[:top_k]
    assert 1 < len(reference) < metrics.shape[0]  # some variants share an outcome, not all
    per_variant = np.lexsort([keys, *sort_columns(metrics, prepared.core.spec)[::-1]])
    # The collapsed rows are the per-variant ranking with repeats of an outcome dropped (ties aside).
    seen: dict[bytes, str] = {}
    for i in per_variant:
        seen.setdefault(metrics[i].tobytes(), str(keys[i]))
    assert {key for key, _, _ in reference} == set(seen.values())


def test_a_constrained_search_collapses_the_variants_that_pass(backtest_ctx: BacktestContext) -> None:
    constraints = _median_constraints(backtest_ctx, [("num_trades", ">="), ("max_drawdown_pct", "<=")])
    risk = {
        "sl_pct": {"mode": "explicit", "values": [None, 0.3, 80.0]},
        "tp_pct": {"mode": "explicit", "values": [None, 6000.0]},
    }
    request = _request(risk=risk, constraints=constraints)
    response = run_backtest(request, backtest_ctx)
    prepared = prepare_search(plan_search(request, backtest_ctx.store(), backtest_ctx.config))
    metrics, keys = every_variant(prepared)
    kept = np.array([all(_passes(row, c) for c in constraints) for row in metrics])
    reference = _grouped_reference(metrics[kept], keys[kept], prepared)
    assert 0 < len(reference) < kept.sum() < kept.size
    assert [(v.variant_key, v.same_outcome.count if v.same_outcome else 0) for v in response.variants] == [
        (key, count) for key, count, _ in reference
    ]
    assert [r.stage_b for r in response.constraint_rejections] == [
        sum(not _passes(row, c) for row in metrics) for c in constraints
    ]  # rejections count variants, not outcomes
