"""The memory estimate counts what the old one left out (risk grid, bookkeeping, the AND of several
banks per chunk, the timeline) and is what the guard and preflight use. Its accuracy against measured
peaks lives in bench/bench_memory_estimate.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.services.memory_model import (
    AVERAGE_ROWS_PER_THREAD,
    BYTES_PER_INDICATOR_VARIANT,
    BYTES_PER_RISK_VARIANT,
    LIVE_CHUNKS,
    TENSOR_BYTES_PER_VALUE,
    SearchShape,
    estimate_search_memory,
)
from trading.contexts.backtest.application.services.staged_runner_v1 import plan_search
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, preflight_backtest
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.indicators.application.services.grid_builder import build_indicator_grids
from trading.contexts.indicators.domain.grid import IndicatorGrid

SHAPE = SearchShape(
    n_bars=10_000,
    n_target=9_000,
    minutes_per_bar=5,
    stage_a=200,
    shortlist=100,
    risk=1,
    top_k=10,
    chunk_variant_bars=150_000_000,
    threads=2,
    banks=1,
)


def _grids(*ids: str) -> list[IndicatorGrid]:
    requests = [
        {"indicator_id": i, "params": {"window": {"mode": "range", "start": 2, "stop_incl": 201, "step": 1}}}
        for i in ids
    ]
    return build_indicator_grids(requests, default_registry(), IndicatorDefaults())


def test_the_risk_grid_and_per_variant_bookkeeping_are_counted() -> None:
    small = estimate_search_memory(_grids("ma.sma"), SHAPE)
    big_risk = estimate_search_memory(_grids("ma.sma"), replace(SHAPE, risk=1_000_000))
    assert big_risk.parts["bookkeeping"] - small.parts["bookkeeping"] >= 999_999 * BYTES_PER_RISK_VARIANT
    assert small.parts["bookkeeping"] >= 200 * BYTES_PER_INDICATOR_VARIANT
    assert small.total == sum(small.parts.values())


def test_several_banks_pay_a_scratch_row_per_thread_in_stage_a_and_their_and_in_stage_b() -> None:
    one = estimate_search_memory(_grids("ma.sma"), replace(SHAPE, stage_a=200))
    two = replace(SHAPE, stage_a=200 * 200, banks=2)
    two_banks = estimate_search_memory(_grids("ma.ema", "ma.sma"), two)
    big_shortlist = estimate_search_memory(_grids("ma.ema", "ma.sma"), replace(two, shortlist=20_000))
    chunk_variants = SHAPE.chunk_variant_bars // SHAPE.n_target
    assert one.parts["compute"] < SHAPE.n_bars * 200 * 9 * 1.1  # one bank: its rows are scored in place
    # Stage A holds one ANDed row per thread whatever its size; Stage B a chunk of ANDed rows.
    banks = 2 * 200 * SHAPE.n_target
    assert two_banks.parts["compute"] >= banks + SHAPE.threads * SHAPE.n_target
    assert two_banks.parts["compute"] < banks + LIVE_CHUNKS * chunk_variants * SHAPE.n_target
    assert big_shortlist.parts["compute"] >= banks + LIVE_CHUNKS * chunk_variants * SHAPE.n_target


def test_preflight_and_the_guard_use_the_model(backtest_ctx: BacktestContext) -> None:
    body: dict[str, Any] = {
        "instrument_id": "1:BTCUSDT",
        "timeframe": "5m",
        "time_range": {"start": "2024-01-01T06:00:00Z", "end": "2024-01-03T18:00:00Z"},
        "indicators": [{"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [5, 8]}}}],
        "risk": {"sl_pct": {"mode": "explicit", "values": [None, 0.5]}},
    }
    request = RunBacktestRequest.model_validate(body)
    plan = plan_search(request, backtest_ctx.store(), backtest_ctx.config)
    assert plan.memory_bytes == sum(plan.memory_breakdown.values())
    assert preflight_backtest(request, backtest_ctx).estimated_memory_bytes == plan.memory_bytes
    guards = backtest_ctx.config.guards.model_copy(update={"max_compute_bytes_total": plan.memory_bytes - 1})
    tight = BacktestContext(backtest_ctx.data_dir, backtest_ctx.config.model_copy(update={"guards": guards}))
    refused = preflight_backtest(request, tight)
    assert not refused.fits and refused.problems[0]["code"] == "memory_budget_exceeded"
    assert refused.problems[0]["requested_bytes"] == plan.memory_bytes


def test_a_price_against_an_average_builds_no_tensor() -> None:
    """ma.sma's rows are written a variant at a time (a few float64 rows per thread); ma.vwma, priced
    against its average too, still fills a float64 tensor first."""
    shape = replace(SHAPE, n_bars=100_000, n_target=100_000, minutes_per_bar=1)
    tensor = 200 * shape.n_bars * TENSOR_BYTES_PER_VALUE
    sma = estimate_search_memory(_grids("ma.sma"), shape)
    assert estimate_search_memory(_grids("ma.vwma"), shape).parts["compute"] >= tensor
    assert sma.parts["compute"] < tensor / 4
    more_threads = estimate_search_memory(_grids("ma.sma"), replace(shape, threads=8))
    extra = 6 * AVERAGE_ROWS_PER_THREAD * shape.n_bars * TENSOR_BYTES_PER_VALUE
    assert more_threads.parts["compute"] - sma.parts["compute"] == extra
