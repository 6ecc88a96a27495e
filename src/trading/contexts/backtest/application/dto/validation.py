"""Row-level validation figures attached to ranked variants (neighbourhood stability, out of sample)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trading.contexts.backtest.application.dto.wire_types import FiniteFloat
from trading.contexts.backtest.domain.value_objects.execution import RankingMetricName
from trading.contexts.indicators.domain.param_spec import ParamValue


class NeighbourhoodStability(BaseModel):
    """The ranking metric over the variant's grid neighbours (one step down and up every numeric axis,
    risk axes included): `own` value, `mean` and `worst` of the neighbours (worst in the metric's
    direction: the minimum for higher-is-better metrics), and how many `neighbours` exist. `mean` /
    `worst` ignore non-finite neighbour values and are null when none is finite or none exists."""

    model_config = ConfigDict(extra="forbid")

    metric: RankingMetricName
    own: float | None
    mean: float | None
    worst: float | None
    neighbours: int

    def columns(self) -> dict[str, float | int | str | None]:
        """Flat `stability_*` columns for CSV exports."""
        return {f"stability_{name}": value for name, value in self.model_dump().items()}


def _as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are read as UTC, like the request's time range."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class HoldoutValidation(BaseModel):
    """Rank on the bars before the split, score the returned rows on the bars from it. The split is
    `oos_start` (UTC) or the last `oos_fraction` of the time range, floored to a bar boundary."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["holdout"]
    oos_start: datetime | None = None
    oos_fraction: FiniteFloat | None = Field(default=None, gt=0, lt=1)

    @field_validator("oos_start")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _as_utc(value)

    @model_validator(mode="after")
    def _one_split(self) -> HoldoutValidation:
        if (self.oos_start is None) == (self.oos_fraction is None):
            raise ValueError("holdout validation needs exactly one of oos_start and oos_fraction")
        return self


class HoldoutSummary(BaseModel):
    """How the in-sample ranking held out of sample, over the returned rows: the share with a positive
    out-of-sample `total_return_pct`, and Spearman's rank correlation between the in-sample and the
    out-of-sample value of the primary metric (rows where both are finite; null below two rows or
    without variation)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["holdout"] = "holdout"
    metric: RankingMetricName
    in_sample_start: datetime
    oos_start: datetime
    oos_end: datetime
    rows: int
    profitable_oos_share: float | None
    spearman_is_oos: float | None
    oos_bars: dict[str, int]


class WalkForwardValidation(BaseModel):
    """`folds` consecutive (train, test) windows; `train` / `test` are bars (an int >= 1) or a fraction
    of the time range's bars (a float < 1). Rolling windows move by `test` bars; `anchored` windows all
    start at the time range's start. The last test window ends inside the time range."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["walk_forward"]
    folds: int = Field(ge=1, le=100)
    train: int | float = Field(gt=0)
    test: int | float = Field(gt=0)
    anchored: bool = False

    @model_validator(mode="after")
    def _bars_or_fractions(self) -> WalkForwardValidation:
        for name in ("train", "test"):
            value = getattr(self, name)
            if isinstance(value, float) and value >= 1:
                raise ValueError(f"walk_forward.{name} is a whole number of bars or a fraction below 1")
        return self


ValidationRequest = Annotated[HoldoutValidation | WalkForwardValidation, Field(discriminator="mode")]


class WalkForwardFold(BaseModel):
    """One fold: the best variant of the train window (`params` by grid axis name, `payload` for a
    report) with its in-sample ranking metrics and its metrics on the test window."""

    model_config = ConfigDict(extra="forbid")

    fold: int
    train_start: datetime
    train_end: datetime
    test_start: datetime
    test_end: datetime
    variant_key: str | None
    params: dict[str, ParamValue | None]
    payload: dict[str, Any] | None
    in_sample: dict[str, float | None]
    out_of_sample: dict[str, float | None]


class WalkForwardReport(BaseModel):
    """The folds, the test windows' equity stitched and compounded (each fold starts from the previous
    fold's end equity) with its ranking metrics and full metrics table, walk-forward efficiency
    (out-of-sample return per bar over in-sample return per bar, summed over folds) and how often each
    axis value was chosen."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["walk_forward"] = "walk_forward"
    metric: RankingMetricName
    anchored: bool
    folds: list[WalkForwardFold]
    stitched_metrics: dict[str, float | None]
    stitched_rows: list[dict[str, Any]]
    stitched_equity: dict[str, list[Any]]
    efficiency: float | None
    parameter_frequencies: dict[str, dict[str, int]]


ValidationResult = Annotated[HoldoutSummary | WalkForwardReport, Field(discriminator="mode")]
