"""Row-level validation figures attached to ranked variants (neighbourhood stability, out of sample)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

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
