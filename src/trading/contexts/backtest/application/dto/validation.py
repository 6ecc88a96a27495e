"""Row-level validation figures attached to ranked variants (neighbourhood stability, out of sample)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trading.contexts.backtest.application.dto.wire_types import FiniteFloat
from trading.contexts.backtest.domain.value_objects.execution import RankingMetricName


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
