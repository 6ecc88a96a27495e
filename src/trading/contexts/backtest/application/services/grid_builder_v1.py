"""Stage A / Stage B enumeration sizes, resolved run settings and the guards checked before compute.

Stage A enumerates base variants: indicators in id order, each indicator's rows = its compute
variants x its signal-param variants (signal fastest), the last indicator fastest. Stage B expands
the shortlist by the risk grid (sl outer, tp inner): `variant_index = position * risk_count + risk_index`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import BacktestRuntimeConfig
from trading.contexts.backtest.application.dto.run_backtest import (
    ExecutionParamsPayload,
    RangeAxis,
    RiskAxis,
    RunBacktestRequest,
)
from trading.contexts.backtest.application.services.frontier import RankingSpec
from trading.contexts.backtest.application.services.staged_core_runner_v1 import RiskGrid
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams
from trading.contexts.backtest.domain.value_objects.metric_constraints import MetricConstraint
from trading.contexts.indicators.application.services.guards import check_memory, check_variant_count
from trading.contexts.indicators.domain.grid_axis import InvalidAxis, decimal_range, range_count
from trading.shared.errors import DomainError, ErrorDetail

T = TypeVar("T")
RISK_LIMITS = {"sl_pct": (0.0, 100.0), "tp_pct": (0.0, 10_000.0)}


@dataclass(frozen=True)
class SearchSizes:
    stage_a: int
    risk: int
    preselect: int
    top_k: int

    @property
    def shortlist(self) -> int:
        return min(self.preselect, self.stage_a)

    @property
    def stage_b(self) -> int:
        return self.shortlist * self.risk


def risk_axis_count(axis: RiskAxis | None, name: str) -> int:
    """Values on one risk axis, found without making them (a range is bounded, then counted)."""
    if axis is None:
        return 1
    if isinstance(axis, RangeAxis):
        _check_risk_bounds(name, {"start": axis.start, "stop_incl": axis.stop_incl})
        return _risk_checked(name, lambda: range_count(axis.start, axis.stop_incl, axis.step))
    return len(axis.values)


def risk_axis_values(axis: RiskAxis | None, name: str) -> list[float | None]:
    """`None` axis = disabled only; `null` inside an explicit list = disabled is one of the options."""
    if axis is None:
        return [None]
    if isinstance(axis, RangeAxis):
        decimals = _risk_checked(name, lambda: list(decimal_range(axis.start, axis.stop_incl, axis.step)))
        values: list[float | None] = [float(d) for d in decimals]
    else:
        values = list(axis.values)
    _check_risk_bounds(name, {f"values[{i}]": v for i, v in enumerate(values) if v is not None})
    if len(set(values)) != len(values):
        raise _risk_error(name, "duplicate_values", f"{name} axis repeats values")
    return values


def _check_risk_bounds(name: str, values: dict[str, float]) -> None:
    low, high = RISK_LIMITS[name]
    for key, value in values.items():
        if not low < value < high:
            raise _risk_error(name, "out_of_bounds", f"{name} {key} {value:.6g} must be in ({low:g}, {high:g})")


def _risk_checked(name: str, compute: Callable[[], T]) -> T:
    try:
        return compute()
    except InvalidAxis as exc:
        raise _risk_error(name, exc.code, exc.message) from None


def _risk_error(name: str, code: str, message: str) -> DomainError:
    return DomainError("validation_error", "invalid risk grid", details=[ErrorDetail(f"risk.{name}", code, message)])


def build_risk_grid(request: RunBacktestRequest, max_variants: int) -> RiskGrid:
    """The sl x tp product is counted from the axis sizes and refused past `max_variants` (no Stage B
    could hold it) before either axis is made; the product itself is never listed here."""
    sl_axis, tp_axis = request.risk.sl_pct, request.risk.tp_pct
    count = risk_axis_count(sl_axis, "sl_pct") * risk_axis_count(tp_axis, "tp_pct")
    check_variant_count(count, max_variants, "risk grid (sl_pct x tp_pct)", path="risk")
    return RiskGrid.product(risk_axis_values(sl_axis, "sl_pct"), risk_axis_values(tp_axis, "tp_pct"))


def resolve_execution(request: RunBacktestRequest, config: BacktestRuntimeConfig, market_id: int) -> ExecutionParams:
    """Request values win; the rest comes from backtest.yaml (fee by the instrument's market)."""
    given = request.execution
    defaults = config.execution
    fee_default = defaults.fee_pct_default_by_market_id.get(market_id)
    if given.fee_pct is None and fee_default is None:
        raise DomainError(
            "validation_error",
            "no default fee for this market",
            details=[ErrorDetail("execution.fee_pct", "missing", f"market {market_id} has no default fee; set it")],
        )
    return ExecutionParams(
        direction_mode=given.direction_mode or defaults.direction_mode_default,
        sizing_mode=given.sizing_mode or defaults.sizing_mode_default,
        init_cash_quote=_pick(given.init_cash_quote, defaults.init_cash_quote_default),
        fixed_quote=_pick(given.fixed_quote, defaults.fixed_quote_default),
        safe_profit_percent=_pick(given.safe_profit_percent, defaults.safe_profit_percent_default),
        fee_pct=_pick(given.fee_pct, fee_default),
        slippage_pct=_pick(given.slippage_pct, defaults.slippage_pct_default),
        stop_mode=given.stop_mode or defaults.stop_mode_default,
        fill=given.fill or defaults.fill_default,
    )


def _pick(value: float | None, default: float | None) -> float:
    chosen = value if value is not None else default
    assert chosen is not None
    return float(chosen)


def execution_payload(execution: ExecutionParams) -> ExecutionParamsPayload:
    return ExecutionParamsPayload(
        init_cash_quote=execution.init_cash_quote,
        fixed_quote=execution.fixed_quote,
        safe_profit_percent=execution.safe_profit_percent,
        fee_pct=execution.fee_pct,
        slippage_pct=execution.slippage_pct,
        stop_mode=execution.stop_mode,
        fill=execution.fill,
    )


def resolve_ranking(request: RunBacktestRequest, config: BacktestRuntimeConfig) -> RankingSpec:
    """A request naming its primary metric gets exactly its own secondary (possibly none); otherwise
    both come from the defaults, with a request secondary overriding the default one."""
    asked = request.ranking
    constraints = _resolve_constraints(request, config)
    collapse = asked.collapse_same_outcome
    if collapse is None:
        collapse = config.ranking.collapse_same_outcome_default
    if asked.primary_metric is not None:
        spec = RankingSpec(asked.primary_metric, asked.secondary_metric, constraints, collapse)
    else:
        default_secondary = config.ranking.secondary_metric_default
        primary = config.ranking.primary_metric_default
        spec = RankingSpec(primary, asked.secondary_metric or default_secondary, constraints, collapse)
    if spec.secondary == spec.primary:
        detail = ErrorDetail("ranking.secondary_metric", "invalid_value", "secondary metric repeats the primary")
        raise DomainError("validation_error", "invalid ranking", details=[detail])
    return spec


def _resolve_constraints(request: RunBacktestRequest, config: BacktestRuntimeConfig) -> tuple[MetricConstraint, ...]:
    """The request's constraints, or the config's default list when it gives none; at most `max_constraints`."""
    asked = config.ranking.constraints_default if request.constraints is None else request.constraints
    limit = config.ranking.max_constraints
    if len(asked) > limit:
        detail = ErrorDetail("constraints", "out_of_bounds", f"{len(asked)} constraints exceed the maximum {limit}")
        raise DomainError("validation_error", "too many constraints", details=[detail])
    return tuple(c.to_domain() for c in asked)


def resolve_sizes(
    request: RunBacktestRequest, config: BacktestRuntimeConfig, stage_a: int, risk_count: int
) -> SearchSizes:
    top_k = request.top_k or config.top_k_default
    preselect = request.preselect or config.preselect_default
    details = []
    if top_k > config.guards.max_top_k:
        details.append(ErrorDetail("top_k", "out_of_bounds", f"top_k {top_k} exceeds {config.guards.max_top_k}"))
    if preselect > config.guards.max_preselect:
        details.append(
            ErrorDetail("preselect", "out_of_bounds", f"preselect {preselect} exceeds {config.guards.max_preselect}")
        )
    if details:
        raise DomainError("validation_error", "top_k / preselect out of bounds", details=details)
    return SearchSizes(stage_a=stage_a, risk=risk_count, preselect=preselect, top_k=top_k)


def guard_problems(sizes: SearchSizes, memory_bytes: int, config: BacktestRuntimeConfig) -> list[DomainError]:
    """Every guard breach, each naming requested vs allowed; empty when the search fits."""
    checks = (
        lambda: check_variant_count(sizes.stage_a, config.guards.max_variants_per_compute, "Stage A"),
        lambda: check_variant_count(sizes.stage_b, config.guards.max_variants_per_compute, "Stage B"),
        lambda: check_memory(memory_bytes, config.guards.max_compute_bytes_total),
    )
    problems = []
    for check in checks:
        try:
            check()
        except DomainError as exc:
            problems.append(exc)
    return problems
