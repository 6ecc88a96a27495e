"""Stage A/B end to end on real candles: determinism, equality with a brute-force full sort, no details
in ranking, and report metrics equal to ranking metrics."""

from typing import Any

import numba
import numpy as np
import pytest

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest, VariantReportRequest
from trading.contexts.backtest.application.services import close_fill_engine, close_fill_scorer_v1
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_block_metric
from trading.contexts.backtest.application.services.frontier import sort_columns
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch, plan_search, prepare_search
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    build_variant_report,
    run_backtest,
)
from trading.contexts.backtest.domain.value_objects.ranking_metrics import DAILY_RATIO_METRICS
from trading.shared.errors import DomainError


def _request(**overrides: Any) -> RunBacktestRequest:
    body: dict[str, Any] = {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "5m",
        "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
        "warmup_bars": 50,
        "indicators": [
            {"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 3, "stop_incl": 30, "step": 3}}},
            {"indicator_id": "ma.ema", "params": {"window": {"mode": "explicit", "values": [5, 8, 13]}}},
        ],
        "risk": {
            "sl_pct": {"mode": "explicit", "values": [None, 0.3, 0.8]},
            "tp_pct": {"mode": "explicit", "values": [None, 0.5, 1.5]},
        },
        "execution": {"direction_mode": "long_short", "fee_pct": 0.05, "slippage_pct": 0.01},
        "top_k": 12,
        "preselect": 7,
    }
    body.update(overrides)
    return RunBacktestRequest.model_validate(body)


def _summary(response) -> list[tuple]:
    return [(v.rank, v.variant_index, v.variant_key, tuple(v.ranking_metrics.values())) for v in response.variants]


def test_sizes_and_rank_order(backtest_ctx: BacktestContext) -> None:
    response = run_backtest(_request(), backtest_ctx)
    assert response.stage_a_variants_total == 10 * 3
    assert response.stage_b_variants_total == 7 * 9
    assert [v.rank for v in response.variants] == list(range(1, 13))
    returns = [v.total_return_pct for v in response.variants]
    assert None not in returns
    assert returns == sorted((r for r in returns if r is not None), reverse=True)
    assert all(v.report is None for v in response.variants)
    assert response.bars["warmup"] == 50


def test_same_result_with_one_and_two_threads_and_any_chunk_size(backtest_ctx: BacktestContext, monkeypatch) -> None:
    reference = _summary(run_backtest(_request(), backtest_ctx))
    from trading.contexts.backtest.application.services import staged_core_runner_v1

    for chunk, threads in ((1, 1), (7_000, 2), (10**12, 1)):
        monkeypatch.setattr(staged_core_runner_v1, "DEFAULT_CHUNK_VARIANT_BARS", chunk)
        monkeypatch.setattr(staged_core_runner_v1.StagedCore, "chunk_variant_bars", chunk)
        config = backtest_ctx.config.model_copy(
            update={"cpu": backtest_ctx.config.cpu.model_copy(update={"max_numba_threads": threads})}
        )
        ctx = BacktestContext(backtest_ctx.data_dir, config)
        assert _summary(run_backtest(_request(), ctx)) == reference
    assert numba.get_num_threads() >= 1


def every_variant(prepared: PreparedSearch) -> tuple[np.ndarray, np.ndarray]:
    """(metrics, variant keys) of the whole grid in variant order (base-major, risk fastest)."""
    core = prepared.core
    base_ids = np.arange(core.space.size, dtype=np.int64)
    rows, row_idx = core.space.signal_rows(base_ids)
    n_risk = core.risk.size
    metrics = score_block_metric(
        core.close,
        rows,
        np.repeat(row_idx, n_risk),
        np.tile(core.risk.sl_pct, base_ids.size),
        np.tile(core.risk.tp_pct, base_ids.size),
        core.execution,
        ts_ms=core.daily_ts_ms,
    )
    keys = prepared.identities.variant_keys(np.repeat(base_ids, n_risk), np.tile(np.arange(n_risk), base_ids.size))
    return metrics, np.array(keys)


@pytest.mark.parametrize(
    "ranking",
    [
        {"primary_metric": "total_return_pct"},
        {"primary_metric": "max_drawdown_pct", "secondary_metric": "profit_factor"},
        {"primary_metric": "profit_factor", "secondary_metric": "return_over_max_drawdown"},
    ],
)
def test_full_grid_equals_brute_force_sort(backtest_ctx: BacktestContext, ranking: dict) -> None:
    """With preselect >= Stage A, the top equals scoring every variant and sorting by (metrics, key); one
    row per variant, so same outcomes are not collapsed (their grouping: test_same_outcome_groups.py)."""
    request = _request(preselect=1_000, top_k=1_000, ranking={**ranking, "collapse_same_outcome": False})
    response = run_backtest(request, backtest_ctx)
    plan = plan_search(request, backtest_ctx.store(), backtest_ctx.config)
    metrics, keys = every_variant(prepare_search(plan))
    order = np.lexsort([keys, *sort_columns(metrics, plan.spec)[::-1]])
    assert [v.variant_key for v in response.variants] == keys[order].tolist()
    assert response.ranking.primary_metric == ranking["primary_metric"]


def test_ranking_never_calls_the_details_path(backtest_ctx: BacktestContext, monkeypatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("details path called during ranking")

    monkeypatch.setattr(close_fill_scorer_v1, "score_variant_with_details", forbidden)
    monkeypatch.setattr(close_fill_engine, "simulate_close_fill_recorded", forbidden)
    monkeypatch.setattr(close_fill_scorer_v1, "simulate_close_fill_recorded", forbidden)
    response = run_backtest(_request(), backtest_ctx)
    assert len(response.variants) == 12


def test_report_metrics_equal_ranking_metrics(backtest_ctx: BacktestContext) -> None:
    request = _request()
    response = run_backtest(request, backtest_ctx)
    for variant in response.variants[:4]:
        report = build_variant_report(
            VariantReportRequest.model_validate(
                {
                    "run_context": {
                        "instrument_id": request.instrument_id,
                        "timeframe": request.timeframe,
                        "time_range": request.time_range.model_dump(),
                        "warmup_bars": request.warmup_bars,
                    },
                    "variant": variant.payload.model_dump(),
                }
            ),
            backtest_ctx,
        )
        assert report.variant_key == variant.variant_key
        assert report.indicator_variant_key == variant.indicator_variant_key
        # Every metric the row carries is the report's; a search that does not rank by a daily ratio
        # leaves Sharpe, Sortino and Calmar out of its rows.
        assert {name: report.ranking_metrics[name] for name in variant.ranking_metrics} == variant.ranking_metrics
        assert set(report.ranking_metrics) - set(variant.ranking_metrics) == set(DAILY_RATIO_METRICS)
        assert report.rows and report.table_md.startswith("|")


def test_guard_breach_names_the_numbers(backtest_ctx: BacktestContext) -> None:
    guards = backtest_ctx.config.guards.model_copy(update={"max_variants_per_compute": 20})
    ctx = BacktestContext(backtest_ctx.data_dir, backtest_ctx.config.model_copy(update={"guards": guards}))
    with pytest.raises(DomainError) as info:
        run_backtest(_request(), ctx)
    assert info.value.code == "too_many_variants"
    assert "requested 30" in info.value.message and "allowed 20" in info.value.message


def test_deadline_and_cancel_stop_the_search(backtest_ctx: BacktestContext) -> None:
    with pytest.raises(DomainError) as info:
        run_backtest(_request(), backtest_ctx, deadline_seconds=0.0)
    assert info.value.code == "sync_deadline_exceeded" and "as a job" in info.value.message
    with pytest.raises(DomainError) as info:
        run_backtest(_request(), backtest_ctx, should_stop=lambda: True)
    assert info.value.code == "cancelled"


def test_progress_reaches_the_totals(backtest_ctx: BacktestContext) -> None:
    events = []
    run_backtest(_request(), backtest_ctx, progress=events.append)
    last = {e.stage: (e.processed, e.total) for e in events}
    assert last == {"setup": (2, 2), "stage_a": (30, 30), "stage_b": (63, 63)}


def test_volume_rule_indicator_runs_in_a_search(backtest_ctx: BacktestContext) -> None:
    """compare_volume_to_output reads volume, open and close besides the indicator output."""
    response = run_backtest(_request(indicators=[{"indicator_id": "volume.volume_sma"}], risk={}), backtest_ctx)
    assert response.stage_a_variants_total >= 1 and response.variants
