"""The one backtest request (sync and jobs share it), the explicit variant payload, and the response."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    Strict,
    field_validator,
    model_serializer,
    model_validator,
)

from trading.contexts.backtest.application.dto.strategy_rules import CrossRule, ParamConstraint
from trading.contexts.backtest.application.dto.validation import (
    NeighbourhoodStability,
    ValidationRequest,
    ValidationResult,
)
from trading.contexts.backtest.application.dto.wire_types import (
    MAX_INT,
    Alias,
    FiniteFloat,
    InstrumentIdText,
    Name,
    NameMap,
    Number,
    ParamValue,
    StrictInt,
    TimeframeText,
)
from trading.contexts.backtest.domain.value_objects.execution import (
    DirectionModeName,
    FillModeName,
    RankingMetricName,
    SizingModeName,
    StopModeName,
)
from trading.contexts.backtest.domain.value_objects.metric_constraints import ConstraintOp, MetricConstraint


class _Model(BaseModel):
    """Unknown keys are refused; numbers and text use the strict types of `wire_types`."""

    model_config = ConfigDict(extra="forbid")


class ExplicitAxis(_Model):
    mode: Literal["explicit"]
    values: list[ParamValue] = Field(min_length=1, max_length=100_000)


class RangeAxis(_Model):
    """Ints stay ints (JSON `5` is not `5.0`), so int params can reject fractional values."""

    mode: Literal["range"]
    start: Number
    stop_incl: Number
    step: Number = Field(gt=0)


AxisSpec = Annotated[ExplicitAxis | RangeAxis, Field(discriminator="mode")]


class RiskExplicitAxis(_Model):
    """Risk values are percents; `null` in the list means 'disabled' is one of the options."""

    mode: Literal["explicit"]
    values: list[FiniteFloat | None] = Field(min_length=1, max_length=10_000)


RiskAxis = Annotated[RiskExplicitAxis | RangeAxis, Field(discriminator="mode")]


class TimeRange(_Model):
    """Half-open `[start, end)` in UTC; naive datetimes are read as UTC."""

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end <= self.start:
            raise ValueError("time_range.end must be after time_range.start")
        return self

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return int(self.end.timestamp() * 1000)


def _without_unset(data: dict[str, Any], **unset: Any) -> dict[str, Any]:
    """Drops fields added after v1 while they hold their 'not used' value, so the JSON (and every hash
    of it) of a request or payload that does not use them is what it always was."""
    for name, empty in unset.items():
        if data.get(name) == empty:
            data.pop(name, None)
    return data


class _IndicatorInstance(_Model):
    """One indicator instance: `alias` names it when its id appears more than once (rules, param
    constraints and signal params refer to it by `entry_name`); without an alias its JSON is as before."""

    indicator_id: Name
    alias: Alias | None = None

    @property
    def entry_name(self) -> str:
        return self.alias or self.indicator_id

    @model_serializer(mode="wrap")
    def _omit_unset_alias(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_unset(handler(self), alias=None)


class IndicatorGridRequest(_IndicatorInstance):
    """Omitted axes take their default grid from indicators.yaml."""

    inputs: NameMap[AxisSpec] = Field(default_factory=dict)
    params: NameMap[AxisSpec] = Field(default_factory=dict)
    signals: NameMap[AxisSpec] = Field(default_factory=dict)


class RiskGridRequest(_Model):
    """`null` axis = stop disabled only."""

    sl_pct: RiskAxis | None = None
    tp_pct: RiskAxis | None = None


class ExecutionRequest(_Model):
    """Every field optional; backtest.yaml supplies the rest."""

    direction_mode: DirectionModeName | None = None
    sizing_mode: SizingModeName | None = None
    init_cash_quote: FiniteFloat | None = Field(default=None, gt=0, le=1e15)
    fixed_quote: FiniteFloat | None = Field(default=None, gt=0, le=1e15)
    safe_profit_percent: FiniteFloat | None = Field(default=None, ge=0, le=100)
    fee_pct: FiniteFloat | None = Field(default=None, ge=0, lt=100)
    slippage_pct: FiniteFloat | None = Field(default=None, ge=0, lt=100)
    stop_mode: StopModeName | None = None
    fill: FillModeName | None = None


class RankingRequest(_Model):
    primary_metric: RankingMetricName | None = None
    secondary_metric: RankingMetricName | None = None
    # None = the config default (`ranking.collapse_same_outcome_default`); false gives one row per variant.
    collapse_same_outcome: Annotated[bool, Strict()] | None = None

    @model_serializer(mode="wrap")
    def _omit_unset_collapse(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Added after v1: appears only when set, so stored requests (and their hashes) keep their JSON."""
        data = handler(self)
        if self.collapse_same_outcome is None:
            data.pop("collapse_same_outcome", None)
        return data

    @model_validator(mode="after")
    def _distinct(self) -> RankingRequest:
        if self.secondary_metric is not None and self.secondary_metric == self.primary_metric:
            raise ValueError("ranking.secondary_metric must differ from ranking.primary_metric")
        return self


class MetricConstraintRequest(_Model):
    """`metric op value` on a ranking metric, e.g. `{"metric": "num_trades", "op": ">=", "value": 30}`."""

    metric: RankingMetricName
    op: ConstraintOp
    value: FiniteFloat

    def to_domain(self) -> MetricConstraint:
        return MetricConstraint(self.metric, self.op, self.value)


class IndicatorSelection(_IndicatorInstance):
    inputs: NameMap[ParamValue] = Field(default_factory=dict)
    params: NameMap[ParamValue] = Field(default_factory=dict)


class RiskParamsPayload(_Model):
    sl_pct: FiniteFloat | None = Field(default=None, gt=0, lt=100)
    tp_pct: FiniteFloat | None = Field(default=None, gt=0, le=10_000)


class ExecutionParamsPayload(_Model):
    """Fully resolved execution settings (no defaults left to apply; the two modes default to close
    so payloads written before they existed still mean what they meant)."""

    init_cash_quote: FiniteFloat = Field(gt=0, le=1e15)
    fixed_quote: FiniteFloat = Field(gt=0, le=1e15)
    safe_profit_percent: FiniteFloat = Field(ge=0, le=100)
    fee_pct: FiniteFloat = Field(ge=0, lt=100)
    slippage_pct: FiniteFloat = Field(ge=0, lt=100)
    stop_mode: StopModeName = "close"
    fill: FillModeName = "close"


class VariantPayload(_Model):
    """One explicit variant: everything the report endpoint needs to recompute it."""

    indicator_selections: list[IndicatorSelection] = Field(min_length=1, max_length=8)
    signal_params: NameMap[NameMap[ParamValue]] = Field(default_factory=dict)
    risk_params: RiskParamsPayload = Field(default_factory=RiskParamsPayload)
    execution_params: ExecutionParamsPayload
    direction_mode: DirectionModeName
    sizing_mode: SizingModeName
    rules: list[CrossRule] = Field(default_factory=list, max_length=4)

    @model_serializer(mode="wrap")
    def _omit_unset_rules(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_unset(handler(self), rules=[])

    @model_validator(mode="after")
    def _one_entry_per_name(self) -> VariantPayload:
        """Two entries of one name would be ANDed twice and change the key; signal params of an entry
        that is not there would be silently ignored, and a rule naming no entry could not run. All are
        refused."""
        names = [selection.entry_name for selection in self.indicator_selections]
        repeated = sorted({name for name in names if names.count(name) > 1})  # at most 8 entries
        if repeated:
            raise ValueError(f"indicator_selections names {', '.join(repeated)} more than once")
        unknown = sorted(set(self.signal_params) - set(names))
        if unknown:
            raise ValueError(f"signal_params names {', '.join(unknown)}, which indicator_selections does not")
        crossed = sorted({name for rule in self.rules for name in (rule.first, rule.second)} - set(names))
        if crossed:
            raise ValueError(f"rules name {', '.join(crossed)}, which indicator_selections does not")
        return self


class RunBacktestRequest(_Model):
    """A grid search; or, with `variant` set, exactly one explicit variant (no grids)."""

    instrument_id: InstrumentIdText = Field(examples=["1:BTCUSDT"])
    timeframe: TimeframeText = Field(examples=["1h"])
    time_range: TimeRange
    warmup_bars: StrictInt | None = Field(default=None, ge=0, le=100_000)
    indicators: list[IndicatorGridRequest] = Field(default_factory=list, max_length=8)
    rules: list[CrossRule] = Field(default_factory=list, max_length=4)
    param_constraints: list[ParamConstraint] = Field(default_factory=list, max_length=8)
    risk: RiskGridRequest = Field(default_factory=RiskGridRequest)
    execution: ExecutionRequest = Field(default_factory=ExecutionRequest)
    ranking: RankingRequest = Field(default_factory=RankingRequest)
    # None = the config's default list; the config's maximum length is checked when the search is planned.
    constraints: list[MetricConstraintRequest] | None = Field(default=None, max_length=1_000)
    top_k: StrictInt | None = Field(default=None, ge=1, le=MAX_INT)
    preselect: StrictInt | None = Field(default=None, ge=1, le=MAX_INT)
    top_trades_n: StrictInt | None = Field(default=None, ge=1, le=MAX_INT)
    variant: VariantPayload | None = None
    validation: ValidationRequest | None = None

    @model_serializer(mode="wrap")
    def _omit_unset_additions(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Fields added after v1 appear only when set, so a stored request (and its hash) without them
        keeps its exact JSON."""
        # `constraints: []` stays: it switches a non-empty config default off
        return _without_unset(handler(self), validation=None, rules=[], param_constraints=[], constraints=None)

    @model_validator(mode="after")
    def _grids_or_variant(self) -> RunBacktestRequest:
        if self.validation is not None and self.variant is not None:
            raise ValueError("validation needs a grid search, not an explicit variant")
        if self.variant is None and not self.indicators:
            raise ValueError("indicators must name at least one indicator (or give an explicit variant)")
        if self.variant is not None and self.indicators:
            raise ValueError("give either indicators (a grid) or variant (one explicit variant), not both")
        return self

    def run_context(self) -> RunContext:
        return RunContext(
            instrument_id=self.instrument_id,
            timeframe=self.timeframe,
            time_range=self.time_range,
            warmup_bars=self.warmup_bars,
        )


class RankingConfig(_Model):
    primary_metric: RankingMetricName
    secondary_metric: RankingMetricName | None
    collapse_same_outcome: bool = False


class SameOutcomeMember(_Model):
    """One variant of a same-outcome group, told apart from the others by `params` (the parameters
    that differ among the listed members, named like the CSV columns; None = that stop off)."""

    variant_key: str
    variant_index: int
    params: dict[str, float | int | str | None]


class SameOutcome(_Model):
    """`count` variants had this row's bit-identical outcome; `members` are the first few by variant_key
    (the row itself first)."""

    count: int
    members: list[SameOutcomeMember]


class ConstraintRejections(_Model):
    """How many variants one constraint kept out of each stage (a variant failing several counts for each)."""

    constraint: MetricConstraintRequest
    stage_a: int
    stage_b: int


class RankedVariant(_Model):
    rank: int
    variant_index: int
    variant_key: str
    indicator_variant_key: str
    total_return_pct: float | None
    ranking_metrics: dict[str, float | None]
    payload: VariantPayload
    report: dict[str, Any] | None = None
    stability: NeighbourhoodStability | None = None
    oos_metrics: dict[str, float | None] | None = None
    same_outcome: SameOutcome | None = None

    def validation_columns(self) -> dict[str, float | int | str | None]:
        """The row's validation figures as flat CSV columns (empty when the search computed none)."""
        columns: dict[str, float | int | str | None] = {}
        if self.stability is not None:
            columns.update(self.stability.columns())
        if self.oos_metrics is not None:
            columns.update({f"oos_{name}": value for name, value in self.oos_metrics.items()})
        return columns


class CrossPairCount(_Model):
    """How many variant pairs of one cross rule's two instances its param constraints keep."""

    first: str
    second: str
    constraints: list[str]
    kept: int
    total: int
    summary: str


class RunBacktestResponse(_Model):
    """Variants are already in rank order; nothing downstream sorts them again."""

    variants: list[RankedVariant]
    stage_a_variants_total: int
    stage_b_variants_total: int
    ranking: RankingConfig
    constraint_rejections: list[ConstraintRejections] = Field(default_factory=list)
    timings: dict[str, float]
    bars: dict[str, int]
    signal_pairs_skipped: int = 0
    validation: ValidationResult | None = None
    data_notes: list[str] = Field(default_factory=list)  # where the range reaches past the stored data
    cross_pairs: list[CrossPairCount] = Field(default_factory=list)


class RunContext(_Model):
    """Where and how a variant runs: the part of a request a report needs besides the variant."""

    instrument_id: InstrumentIdText = Field(examples=["1:BTCUSDT"])
    timeframe: TimeframeText = Field(examples=["1h"])
    time_range: TimeRange
    warmup_bars: StrictInt | None = Field(default=None, ge=0, le=100_000)

    def variant_request(self, variant: VariantPayload) -> RunBacktestRequest:
        """The one-variant request that recomputes `variant` in this context (report, heatmap)."""
        return RunBacktestRequest(
            instrument_id=self.instrument_id,
            timeframe=self.timeframe,
            time_range=self.time_range,
            warmup_bars=self.warmup_bars,
            variant=variant,
        )


class VariantReportRequest(_Model):
    run_context: RunContext
    variant: VariantPayload
    include_trades: Annotated[bool, Strict()] = True
    top_trades_n: StrictInt | None = Field(default=None, ge=1, le=100_000)


class IndicatorLine(_Model):
    """One indicator output for a chart; `ts_ms` is the close of the last bar of each chart bucket."""

    indicator_id: str
    label: str
    output: str
    placement: Literal["price", "pane"]
    ts_ms: list[int]
    values: list[float | None]


class VariantReportResponse(_Model):
    """Times are fill times (bar close); `bar_ms` is the bar length, so a chart can put each time on the
    bar whose close it is. `indicator_lines` is filled for explicit-variant reports only."""

    variant_key: str
    indicator_variant_key: str
    ranking_metrics: dict[str, float | None]
    rows: list[dict[str, Any]]
    table_md: str
    trades: list[dict[str, Any]]
    trades_total: int
    equity: dict[str, list[Any]]
    bars: dict[str, int]
    data_notes: list[str] = Field(default_factory=list)
    bar_ms: int | None = None
    indicator_lines: list[IndicatorLine] = Field(default_factory=list)


class PreflightResponse(_Model):
    """Counts and memory estimate before any compute; `fits` is false when a guard would refuse it."""

    stage_a_variants_total: int
    stage_b_variants_total: int
    risk_variants_total: int
    preselect: int
    top_k: int
    estimated_memory_bytes: int
    max_compute_bytes_total: int
    max_variants_per_compute: int
    bars: dict[str, int]
    data_notes: list[str] = Field(default_factory=list)
    fits: bool
    problems: list[dict[str, Any]] = Field(default_factory=list)
    cross_pairs: list[CrossPairCount] = Field(default_factory=list)
