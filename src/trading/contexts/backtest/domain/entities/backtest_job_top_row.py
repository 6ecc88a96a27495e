"""One ranked row of a job's live top table: the ranking summary only, never a report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobTopRow:
    rank: int
    variant_key: str
    indicator_variant_key: str
    variant_index: int
    total_return_pct: float
    ranking_metrics: dict[str, float]
    # The explicit variant the variant-report endpoint accepts.
    payload: dict[str, Any]
    # Validation figures as the sync rows carry them (JSON shapes): neighbourhood stability, and the
    # out-of-sample ranking metrics of a holdout run.
    stability: dict[str, Any] | None = None
    oos_metrics: dict[str, float | None] | None = None
    # {count, members} when the search collapsed same outcomes (trust.md §3), else None.
    same_outcome: dict[str, Any] | None = None
