"""Sync orchestration of one search: plan (validate, size, guard), prepare (indicators -> signal banks),
run (Stage A -> Stage B) and map the frontier to ranked rows. The worker reuses every step."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import BacktestRuntimeConfig
from trading.contexts.backtest.application.dto.run_backtest import (
    ExplicitAxis,
    IndicatorGridRequest,
    RankedVariant,
    RiskExplicitAxis,
    RiskGridRequest,
    RunBacktestRequest,
    SameOutcome,
    SameOutcomeMember,
    VariantPayload,
)
from trading.contexts.backtest.application.services.close_fill_engine import BarRange
from trading.contexts.backtest.application.services.frontier import Frontier, RankingSpec
from trading.contexts.backtest.application.services.grid_builder_v1 import (
    SearchSizes,
    build_risk_grid,
    guard_problems,
    resolve_execution,
    resolve_ranking,
    resolve_sizes,
)
from trading.contexts.backtest.application.services.indicator_catalog import default_indicator_catalog
from trading.contexts.backtest.application.services.memory_model import (
    SearchShape,
    cross_pair_bytes,
    estimate_search_memory,
)
from trading.contexts.backtest.application.services.outcome_frontier import OutcomeFrontier
from trading.contexts.backtest.application.services.param_constraints import kept_pairs
from trading.contexts.backtest.application.services.search_identities import (
    BankIdentity,
    CrossIdentity,
    InstanceVariants,
    SearchIdentities,
    UnitIdentity,
)
from trading.contexts.backtest.application.services.signal_units import (
    InstancePlan,
    PlainUnit,
    SignalUnit,
    plan_instances,
)
from trading.contexts.backtest.application.services.signals_from_indicators_v1 import (
    IndicatorSignals,
    signals_for_tensor,
    signals_need_no_tensor,
    signals_without_tensor,
)
from trading.contexts.backtest.application.services.staged_core_runner_v1 import (
    DEFAULT_CHUNK_VARIANT_BARS,
    Bank,
    BaseVariantSpace,
    CrossBank,
    RiskGrid,
    SignalBank,
    StagedCore,
)
from trading.contexts.backtest.application.services.variant_parameters import differing_parameters
from trading.contexts.backtest.domain.value_objects.execution import (
    RANKING_METRICS,
    ExecutionParams,
    RankingMetricName,
)
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.domain.grid import IndicatorGrid, IndicatorVariant
from trading.contexts.indicators.domain.price_sources import OhlcvArrays
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.load_timeline import load_timeline
from trading.contexts.market_data.domain.instrument_id import InstrumentId
from trading.contexts.market_data.domain.ohlcv import MINUTE_MS
from trading.contexts.market_data.domain.timeline import TIMEFRAMES, Timeline
from trading.shared.errors import DomainError

SetupProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class SearchPlan:
    """A validated, sized and guarded search; nothing computed yet but the timeline."""

    request: RunBacktestRequest
    timeline: Timeline
    instances: InstancePlan
    grids: list[IndicatorGrid]
    sizes: SearchSizes
    risk: RiskGrid
    execution: ExecutionParams
    spec: RankingSpec
    memory_bytes: int
    memory_breakdown: dict[str, int]
    problems: list[DomainError] = field(default_factory=list)

    def bars(self) -> dict[str, int]:
        return {
            "total": self.timeline.n_bars,
            "target": self.timeline.n_target,
            "warmup": self.timeline.target_start,
            "warmup_unavailable": self.timeline.warmup_unavailable,
            "target_unavailable": self.timeline.target_bars_unavailable,
            "filled": int(np.count_nonzero(self.timeline.filled[self.timeline.target_start :])),
        }

    def raise_problems(self) -> None:
        if self.problems:
            raise self.problems[0]


def explicit_variant_as_grid(request: RunBacktestRequest) -> tuple[list[IndicatorGridRequest], RiskGridRequest]:
    """A `variant` request is a grid whose every axis has one value."""
    variant = request.variant
    assert variant is not None
    indicators = [
        IndicatorGridRequest(
            indicator_id=selection.indicator_id,
            alias=selection.alias,
            inputs={k: ExplicitAxis(mode="explicit", values=[v]) for k, v in selection.inputs.items()},
            params={k: ExplicitAxis(mode="explicit", values=[v]) for k, v in selection.params.items()},
            signals={
                k: ExplicitAxis(mode="explicit", values=[v])
                for k, v in variant.signal_params.get(selection.entry_name, {}).items()
            },
        )
        for selection in variant.indicator_selections
    ]
    risk = RiskGridRequest(
        sl_pct=RiskExplicitAxis(mode="explicit", values=[variant.risk_params.sl_pct]),
        tp_pct=RiskExplicitAxis(mode="explicit", values=[variant.risk_params.tp_pct]),
    )
    return indicators, risk


def effective_request(request: RunBacktestRequest) -> RunBacktestRequest:
    """Variant mode folded into grid form, with the payload's execution and modes as overrides."""
    if request.variant is None:
        return request
    indicators, risk = explicit_variant_as_grid(request)
    ep = request.variant.execution_params
    execution = request.execution.model_copy(
        update={
            "direction_mode": request.variant.direction_mode,
            "sizing_mode": request.variant.sizing_mode,
            "init_cash_quote": ep.init_cash_quote,
            "fixed_quote": ep.fixed_quote,
            "safe_profit_percent": ep.safe_profit_percent,
            "fee_pct": ep.fee_pct,
            "slippage_pct": ep.slippage_pct,
            "stop_mode": ep.stop_mode,
            "fill": ep.fill,
        }
    )
    update = {"indicators": indicators, "risk": risk, "execution": execution, "variant": None}
    return request.model_copy(update=update | {"rules": list(request.variant.rules), "param_constraints": []})


def plan_search(request: RunBacktestRequest, store: CandleStore, config: BacktestRuntimeConfig) -> SearchPlan:
    """Validation errors raise; guard breaches are collected in `problems` (preflight shows them all)."""
    effective = effective_request(request)
    catalog = default_indicator_catalog()
    instances = plan_instances(effective, catalog.registry, catalog.defaults)
    grids = instances.grids
    risk = build_risk_grid(effective, config.guards.max_variants_per_compute)
    spec = resolve_ranking(effective, config)
    sizes = resolve_sizes(effective, config, instances.stage_a, risk.size)
    warmup = effective.warmup_bars if effective.warmup_bars is not None else config.warmup_bars_default
    timeline = load_timeline(
        store,
        effective.instrument_id,
        effective.timeframe,
        effective.time_range.start_ms,
        effective.time_range.end_ms,
        warmup,
    )
    execution = replace(
        resolve_execution(effective, config, InstrumentId.parse(effective.instrument_id).market_id),
        annualization_days=timeline.annualization_days,
    )
    shape = _shape(timeline, sizes, config.cpu.max_numba_threads, len(instances.units))
    memory = estimate_search_memory(grids, shape, cross_pair_bytes(instances, timeline.n_target))
    return SearchPlan(
        request=effective,
        timeline=timeline,
        instances=instances,
        grids=grids,
        sizes=sizes,
        risk=risk,
        execution=execution,
        spec=spec,
        memory_bytes=memory.total,
        memory_breakdown=memory.parts,
        problems=guard_problems(sizes, memory.total, config),
    )


def _shape(timeline: Timeline, sizes: SearchSizes, threads: int, banks: int) -> SearchShape:
    return SearchShape(
        n_bars=timeline.n_bars,
        n_target=timeline.n_target,
        minutes_per_bar=TIMEFRAMES[timeline.timeframe] // MINUTE_MS,
        stage_a=sizes.stage_a,
        shortlist=sizes.shortlist,
        risk=sizes.risk,
        top_k=sizes.top_k,
        chunk_variant_bars=DEFAULT_CHUNK_VARIANT_BARS,
        threads=threads,
        banks=banks,
    )


@dataclass
class PreparedSearch:
    plan: SearchPlan
    core: StagedCore
    identities: SearchIdentities
    signal_pairs_skipped: int
    setup_seconds: float


def prepare_search(plan: SearchPlan, on_indicator: SetupProgress | None = None) -> PreparedSearch:
    """Indicator tensors once per run, signals once per (indicator variant, signal params), target slice kept."""
    started = time.perf_counter()
    timeline = plan.timeline
    bars = OhlcvArrays.from_timeline(timeline)
    banks: list[Bank] = []
    unit_identities: list[UnitIdentity] = []
    skipped = 0
    for done, unit in enumerate(plan.instances.units, start=1):
        bank, identity, unit_skipped = _unit_bank(unit, bars, timeline.target_start)
        banks.append(bank)
        unit_identities.append(identity)
        skipped += unit_skipped
        if on_indicator is not None:
            on_indicator(done, len(plan.instances.units))
    space = BaseVariantSpace(banks)
    identities = SearchIdentities(
        unit_identities,
        space,
        plan.risk,
        timeline.instrument_id,
        timeline.timeframe,
        plan.execution,
        plan.instances.rules,
    )
    core = StagedCore(
        close=np.ascontiguousarray(timeline.close[timeline.target_start :]),
        ts_ms=np.ascontiguousarray(timeline.ts_ms[timeline.target_start :]),
        space=space,
        risk=plan.risk,
        execution=plan.execution,
        spec=plan.spec,
        base_key_of=identities.base_keys,
        variant_key_of=identities.variant_keys,
        bar_range=target_bar_range(timeline) if plan.execution.needs_bar_range else None,
    )
    return PreparedSearch(plan, core, identities, skipped, time.perf_counter() - started)


def _unit_bank(unit: SignalUnit, bars: OhlcvArrays, target: int) -> tuple[Bank, UnitIdentity, int]:
    """One unit's bank over the target bars, what its rows stand for, and its skipped signal pairs."""
    if isinstance(unit, PlainUnit):
        signals, indicator_variants = target_signals(unit.instance.grid, bars, target)
        bank = SignalBank(unit.instance.name, signals.rows)
        variants = InstanceVariants(unit.instance.name, unit.instance.alias, indicator_variants)
        return bank, BankIdentity(variants, signals.signal_params), signals.skipped_signal_combinations
    sides = [compute_indicator(bars, instance.grid) for instance in (unit.first, unit.second)]
    first_idx, second_idx = kept_pairs(unit.first.grid, unit.second.grid, unit.constraints)
    primaries = [np.ascontiguousarray(side.primary[:, target:]) for side in sides]
    first, second = (
        InstanceVariants(instance.name, instance.alias, side.variants)
        for instance, side in zip((unit.first, unit.second), sides, strict=True)
    )
    bank = CrossBank(primaries[0], primaries[1], first_idx, second_idx)
    return bank, CrossIdentity(first, second, first_idx, second_idx), 0


def target_signals(
    grid: IndicatorGrid, bars: OhlcvArrays, target: int
) -> tuple[IndicatorSignals, list[IndicatorVariant]]:
    """A grid's signal rows over the target bars (contiguous) and its variants; the tensor is built only
    for rules that cannot do without it."""
    if signals_need_no_tensor(grid):
        return signals_without_tensor(grid, bars, target)
    tensor = compute_indicator(bars, grid)
    signals = signals_for_tensor(tensor, bars)
    return replace(signals, rows=np.ascontiguousarray(signals.rows[:, target:])), tensor.variants


def target_bar_range(timeline: Timeline) -> BarRange:
    """Open, high and low of the target bars, contiguous like the close the engine reads."""
    start = timeline.target_start
    return (
        np.ascontiguousarray(timeline.open[start:]),
        np.ascontiguousarray(timeline.high[start:]),
        np.ascontiguousarray(timeline.low[start:]),
    )


def ranked_variants(prepared: PreparedSearch, shortlist: np.ndarray, frontier: Frontier) -> list[RankedVariant]:
    """Frontier rows in rank order with their payloads; built only for what is returned or persisted."""
    n_risk = prepared.core.risk.size

    def payload(variant_index: int) -> VariantPayload:
        return prepared.identities.payload(int(shortlist[variant_index // n_risk]), variant_index % n_risk)

    rows = []
    for rank, (variant_index, metrics, key) in enumerate(
        zip(frontier.ids, frontier.metrics, frontier.keys, strict=True), start=1
    ):
        base_id = int(shortlist[int(variant_index) // n_risk])
        metric_dict = metrics_as_json(metrics, prepared.core.computed_metrics)
        rows.append(
            RankedVariant(
                rank=rank,
                variant_index=int(variant_index),
                variant_key=str(key),
                indicator_variant_key=prepared.identities.indicator_variant_key(base_id),
                total_return_pct=metric_dict["total_return_pct"],
                ranking_metrics=metric_dict,
                payload=payload(int(variant_index)),
                same_outcome=_same_outcome(frontier, rank - 1, payload),
            )
        )
    return rows


def _same_outcome(frontier: Frontier, row: int, payload: Callable[[int], VariantPayload]) -> SameOutcome | None:
    """The row's group: its count and its listed members told apart by the parameters that differ."""
    if not isinstance(frontier, OutcomeFrontier):
        return None
    ids = [int(i) for i in frontier.member_ids[row] if i >= 0]
    keys = [str(k) for k in frontier.member_keys[row][: len(ids)]]
    params = differing_parameters([payload(i) for i in ids])
    members = [
        SameOutcomeMember(variant_key=key, variant_index=i, params=differing)
        for i, key, differing in zip(ids, keys, params, strict=True)
    ]
    return SameOutcome(count=int(frontier.counts[row]), members=members)


def metrics_as_json(
    values: Sequence[float] | np.ndarray, names: Sequence[RankingMetricName] = RANKING_METRICS
) -> dict[str, float | None]:
    """The ranking metrics named in `names` (a row of RANKING_METRICS columns), in RANKING_METRICS order;
    non-finite values become None (null)."""
    return {
        name: float(v) if np.isfinite(v) else None
        for name, v in zip(RANKING_METRICS, values, strict=True)
        if name in names
    }
