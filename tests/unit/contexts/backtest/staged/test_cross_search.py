"""Aliased indicator instances, a `cross` rule and param constraints through the staged search: the
constraint prunes the pair grid before Stage A (counted, not listed), every row is a kept pair, the
cross rows equal a numpy reference of the rule, and each row's report equals its ranking metrics bit
for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.unit.contexts.backtest.staged.test_staged_runner import _request
from trading.contexts.backtest.application.dto.heatmap import HeatmapRequest
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest, VariantReportRequest
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search, prepare_search
from trading.contexts.backtest.application.services.validation.heatmap import build_heatmap
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    build_variant_report,
    preflight_backtest,
    run_backtest,
)

FAST = {"mode": "range", "start": 3, "stop_incl": 20, "step": 1}  # 18 values
SLOW = {"mode": "range", "start": 10, "stop_incl": 60, "step": 2}  # 26 values
CROSS = [{"type": "cross", "first": "fast", "second": "slow"}]
FAST_BELOW_SLOW = [{"left": "fast.window", "op": "<", "right": "slow.window"}]


def _cross_request(**overrides: Any) -> RunBacktestRequest:
    body: dict[str, Any] = {
        "indicators": [
            {"indicator_id": "ma.sma", "alias": "fast", "params": {"window": FAST}},
            {"indicator_id": "ma.sma", "alias": "slow", "params": {"window": SLOW}},
        ],
        "rules": CROSS,
        "param_constraints": FAST_BELOW_SLOW,
    }
    return _request(**(body | overrides))


def _kept_pairs_by_brute_force() -> int:
    fast = range(3, 21)
    slow = range(10, 61, 2)
    return sum(1 for f in fast for s in slow if f < s)


def reference_cross(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The rule written out bar by bar: NEUTRAL until the side strictly flips, then the side."""
    out = np.zeros(first.shape[0], dtype=np.int8)
    crossed, previous = False, 0
    for t in range(first.shape[0]):
        side = int(first[t] > second[t]) - int(first[t] < second[t])
        crossed = crossed or (side != 0 and previous == -side)
        out[t] = side if crossed else 0
        previous = side
    return out


def test_constraint_prunes_before_stage_a_and_preflight_counts_it(backtest_ctx: BacktestContext) -> None:
    kept = _kept_pairs_by_brute_force()
    assert kept < 18 * 26
    preflight = preflight_backtest(_cross_request(), backtest_ctx)
    assert preflight.stage_a_variants_total == kept
    (pairs,) = preflight.cross_pairs
    assert (pairs.first, pairs.second, pairs.kept, pairs.total) == ("fast", "slow", kept, 18 * 26)
    assert pairs.summary == f"{kept:,} of {18 * 26:,} fast/slow pairs kept"
    unconstrained = preflight_backtest(_cross_request(param_constraints=[]), backtest_ctx)
    assert unconstrained.stage_a_variants_total == 18 * 26


def test_every_row_is_a_kept_pair_and_its_rows_are_the_cross_rule(backtest_ctx: BacktestContext) -> None:
    plan = plan_search(_cross_request(), backtest_ctx.store(), backtest_ctx.config)
    prepared = prepare_search(plan)
    space = prepared.core.space
    base_ids = np.arange(space.size, dtype=np.int64)
    rows, row_idx = space.signal_rows(base_ids)
    (bank,) = space.banks
    for base_id in range(0, space.size, 37):
        payload = prepared.identities.payload(base_id, 0)
        fast, slow = (s.params["window"] for s in payload.indicator_selections)
        assert [s.alias for s in payload.indicator_selections] == ["fast", "slow"]
        assert isinstance(fast, int) and isinstance(slow, int) and fast < slow
        first = bank.first[bank.first_idx[base_id]]  # type: ignore[union-attr]
        second = bank.second[bank.second_idx[base_id]]  # type: ignore[union-attr]
        np.testing.assert_array_equal(rows[row_idx[base_id]], reference_cross(first, second))
    assert np.count_nonzero(rows) > 0


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"execution": {"direction_mode": "long_only", "fee_pct": 0.05, "fill": "next_open"}},
        {
            "indicators": [
                {"indicator_id": "ma.sma", "alias": "fast", "params": {"window": FAST}},
                {"indicator_id": "ma.ema", "alias": "slow", "params": {"window": SLOW}},
                {"indicator_id": "momentum.rsi", "params": {"window": {"mode": "explicit", "values": [14]}}},
            ],
            "execution": {"direction_mode": "long_short", "stop_mode": "intrabar", "fee_pct": 0.05},
        },
    ],
    ids=["sma-cross", "next-open-long-only", "ema-cross-and-rsi-intrabar"],
)
def test_cross_report_metrics_equal_ranking_metrics_bit_for_bit(
    backtest_ctx: BacktestContext, overrides: dict[str, Any]
) -> None:
    # Every variant a row (not one per outcome), so each variant's report is checked.
    request = _cross_request(**overrides, ranking={"collapse_same_outcome": False})
    response = run_backtest(request, backtest_ctx)
    assert len(response.variants) == 12
    run_context = request.model_dump(include={"instrument_id", "timeframe", "time_range", "warmup_bars"})
    for variant in response.variants:
        report = build_variant_report(
            VariantReportRequest.model_validate({"run_context": run_context, "variant": variant.payload.model_dump()}),
            backtest_ctx,
        )
        assert report.variant_key == variant.variant_key
        assert report.indicator_variant_key == variant.indicator_variant_key
        for name, value in variant.ranking_metrics.items():
            assert np.array([report.ranking_metrics[name]], dtype=np.float64).view(np.uint64) == np.array(
                [value], dtype=np.float64
            ).view(np.uint64), name


def test_request_order_does_not_change_the_result(backtest_ctx: BacktestContext) -> None:
    forward = run_backtest(_cross_request(), backtest_ctx)
    swapped = _cross_request(
        indicators=[
            {"indicator_id": "ma.sma", "alias": "slow", "params": {"window": SLOW}},
            {"indicator_id": "ma.sma", "alias": "fast", "params": {"window": FAST}},
        ],
        param_constraints=[{"left": "slow.window", "op": ">", "right": "fast.window"}],
    )
    backward = run_backtest(swapped, backtest_ctx)
    assert [(v.variant_key, v.ranking_metrics) for v in forward.variants] == [
        (v.variant_key, v.ranking_metrics) for v in backward.variants
    ]


@pytest.mark.parametrize(("x_axis", "y_axis"), [("sl_pct", "tp_pct"), ("fast.window", "slow.window")])
def test_heatmap_of_a_cross_variant_holds_its_rule_and_aliases(
    backtest_ctx: BacktestContext, x_axis: str, y_axis: str
) -> None:
    request = _cross_request()
    response = run_backtest(request, backtest_ctx)
    variant = response.variants[0]
    heatmap = build_heatmap(
        HeatmapRequest(
            run_context=request.run_context(),
            variant=variant.payload,
            indicators=request.indicators,
            risk=request.risk,
            x_axis=x_axis,
            y_axis=y_axis,
        ),
        backtest_ctx,
    )
    vx, vy = heatmap.variant_x, heatmap.variant_y
    assert vx is not None and vy is not None
    assert heatmap.values[vy][vx] == variant.total_return_pct
    assert heatmap.cells == len(heatmap.x_values) * len(heatmap.y_values) > 4
