"""Constraints on results: a full-grid search with constraints equals scoring every variant, filtering
with plain Python comparisons and sorting; the rejection counts are the brute-force counts."""

import operator
from typing import Any

import numpy as np
import pytest

from tests.unit.contexts.backtest.staged.test_staged_runner import _request, every_variant
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.frontier import sort_columns
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, run_backtest
from trading.contexts.backtest.domain.value_objects.ranking_metrics import METRIC_COLUMN
from trading.shared.errors import DomainError

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
FULL = {"preselect": 1_000, "top_k": 1_000}


def _median_constraints(ctx: BacktestContext, wanted: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Thresholds at the grid's median, so every constraint rejects some variants and keeps others."""
    plan = plan_search(_request(**FULL, ranking={"primary_metric": "sharpe_ratio"}), ctx.store(), ctx.config)
    metrics, _ = every_variant(prepare_search(plan))
    return [
        {"metric": name, "op": op, "value": float(np.nanmedian(metrics[:, METRIC_COLUMN[name]]))} for name, op in wanted
    ]


def _passes(row: np.ndarray, constraint: dict[str, Any]) -> bool:
    value = float(row[METRIC_COLUMN[constraint["metric"]]])
    return not np.isnan(value) and _OPS[constraint["op"]](value, constraint["value"])


@pytest.mark.parametrize(
    ("ranking", "wanted"),
    [
        ({"primary_metric": "total_return_pct"}, [("num_trades", ">=")]),
        (
            {"primary_metric": "max_drawdown_pct", "secondary_metric": "profit_factor"},
            [("num_trades", ">"), ("total_return_pct", ">")],
        ),
        ({"primary_metric": "win_rate_pct"}, [("max_drawdown_pct", "<="), ("sharpe_ratio", ">=")]),
        (
            {"primary_metric": "sqn", "secondary_metric": "num_trades"},
            [("max_drawdown_pct", "<"), ("profit_factor", ">=")],
        ),
    ],
)
def test_full_grid_with_constraints_equals_brute_force(
    backtest_ctx: BacktestContext, ranking: dict, wanted: list[tuple[str, str]]
) -> None:
    constraints = _median_constraints(backtest_ctx, wanted)
    # One row per variant, as the brute force sorts them (the collapsed case: test_same_outcome_groups.py).
    request = _request(**FULL, ranking={**ranking, "collapse_same_outcome": False}, constraints=constraints)
    response = run_backtest(request, backtest_ctx)

    plan = plan_search(request, backtest_ctx.store(), backtest_ctx.config)
    prepared = prepare_search(plan)
    metrics, keys = every_variant(prepared)
    n_risk = prepared.core.risk.size
    kept = np.array([all(_passes(row, c) for c in constraints) for row in metrics])
    order = np.lexsort([keys[kept], *sort_columns(metrics[kept], plan.spec)[::-1]])
    assert 0 < kept.sum() < kept.size
    assert [v.variant_key for v in response.variants] == keys[kept][order].tolist()

    stage_a_rows = metrics[::n_risk]  # risk index 0 is "no SL, no TP": exactly what Stage A scores
    assert [r.model_dump(mode="json") for r in response.constraint_rejections] == [
        {
            "constraint": c,
            "stage_a": sum(not _passes(row, c) for row in stage_a_rows),
            "stage_b": sum(not _passes(row, c) for row in metrics),
        }
        for c in constraints
    ]


def test_a_constraint_on_a_daily_ratio_computes_the_daily_ratios(backtest_ctx: BacktestContext) -> None:
    request = _request(constraints=[{"metric": "sortino_ratio", "op": ">", "value": -1e9}])
    response = run_backtest(request, backtest_ctx)
    assert response.variants
    assert all("sortino_ratio" in v.ranking_metrics for v in response.variants)
    plain = run_backtest(_request(), backtest_ctx)
    assert all("sortino_ratio" not in v.ranking_metrics for v in plain.variants)


def test_a_constraint_nobody_meets_returns_no_rows_and_counts_everyone(backtest_ctx: BacktestContext) -> None:
    response = run_backtest(_request(constraints=[{"metric": "num_trades", "op": ">", "value": 1e9}]), backtest_ctx)
    assert response.variants == []
    (counts,) = response.constraint_rejections
    assert (counts.stage_a, counts.stage_b) == (response.stage_a_variants_total, response.stage_b_variants_total)


def test_no_constraints_leave_the_request_json_and_the_response_as_before(backtest_ctx: BacktestContext) -> None:
    assert "constraints" not in _request().model_dump(mode="json")
    # an explicit empty list is kept: it switches a non-empty config default off, also for a stored job
    assert _request(constraints=[]).model_dump(mode="json")["constraints"] == []
    one = [{"metric": "num_trades", "op": ">=", "value": 3.0}]
    assert _request(constraints=one).model_dump(mode="json")["constraints"] == one
    assert run_backtest(_request(), backtest_ctx).constraint_rejections == []


def test_the_config_default_applies_when_the_request_gives_none_and_its_length_is_capped(
    backtest_ctx: BacktestContext,
) -> None:
    default = [{"metric": "num_trades", "op": ">", "value": 1e9}]
    ranking = backtest_ctx.config.ranking.model_validate({"constraints_default": default, "max_constraints": 1})
    ctx = BacktestContext(backtest_ctx.data_dir, backtest_ctx.config.model_copy(update={"ranking": ranking}))
    assert run_backtest(_request(), ctx).variants == []
    assert run_backtest(_request(constraints=[]), ctx).variants  # an explicit empty list switches it off
    with pytest.raises(DomainError) as raised:
        run_backtest(_request(constraints=default * 2), ctx)
    assert raised.value.details[0].path == "constraints"


@pytest.mark.parametrize(
    ("constraint", "field"),
    [
        ({"metric": "sharp", "op": ">=", "value": 1}, "metric"),
        ({"metric": "sqn", "op": "=>", "value": 1}, "op"),
        ({"metric": "sqn", "op": ">=", "value": float("nan")}, "value"),
        ({"metric": "sqn", "op": ">=", "value": 1, "extra": 2}, "extra"),
    ],
)
def test_a_bad_constraint_is_refused_naming_its_field(constraint: dict, field: str) -> None:
    body = _request().model_dump(mode="json") | {"constraints": [constraint]}
    with pytest.raises(ValueError) as raised:
        RunBacktestRequest.model_validate(body)
    (error,) = raised.value.errors()  # type: ignore[attr-defined]
    assert error["loc"] == ("constraints", 0, field)
    if field == "metric":
        assert "sharpe_ratio" in error["msg"] and "max_drawdown_duration_bars" in error["msg"]
