"""Size estimates for indicator grids and the guards that refuse a run before any compute."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.shared.errors import DomainError, ErrorDetail

TENSOR_BYTES_PER_VALUE = 8  # float64 primary tensor
SIGNAL_BYTES_PER_VALUE = 1  # int8 signal rows


@dataclass(frozen=True)
class GuardLimits:
    max_variants: int
    max_bytes: int


@dataclass(frozen=True)
class GridEstimate:
    """Variants and bytes of one indicator: primary tensor [v, n] plus signal rows [v * s, n]."""

    indicator_id: str
    n_variants: int
    n_signal_variants: int
    n_bars: int

    @property
    def n_signal_rows(self) -> int:
        return self.n_variants * self.n_signal_variants

    @property
    def tensor_bytes(self) -> int:
        return self.n_variants * self.n_bars * TENSOR_BYTES_PER_VALUE

    @property
    def signal_bytes(self) -> int:
        return self.n_signal_rows * self.n_bars * SIGNAL_BYTES_PER_VALUE

    @property
    def total_bytes(self) -> int:
        return self.tensor_bytes + self.signal_bytes


def estimate_grid(grid: IndicatorGrid, n_bars: int) -> GridEstimate:
    return GridEstimate(grid.indicator_id, grid.n_variants, grid.n_signal_variants, n_bars)


def check_variant_count(requested: int, allowed: int, what: str = "variants", path: str | None = None) -> None:
    """`path` names the request field to blame when one field alone makes the count too large."""
    if requested > allowed:
        message = f"{what}: requested {requested:,} variants, allowed {allowed:,}"
        raise DomainError(
            "too_many_variants",
            message,
            details=[] if path is None else [ErrorDetail(path, "too_many_variants", message)],
            extra={"requested": requested, "allowed": allowed},
        )


def check_memory(requested_bytes: int, allowed_bytes: int, what: str = "estimated memory") -> None:
    if requested_bytes > allowed_bytes:
        raise DomainError(
            "memory_budget_exceeded",
            f"{what}: requested {requested_bytes:,} bytes, allowed {allowed_bytes:,}",
            extra={"requested_bytes": requested_bytes, "allowed_bytes": allowed_bytes},
        )


def enforce_grid_guards(grids: Sequence[IndicatorGrid], n_bars: int, limits: GuardLimits) -> list[GridEstimate]:
    """Base variants = product over indicators of (indicator variants x signal variants); memory =
    every indicator's tensor and signal rows held at once."""
    estimates = [estimate_grid(grid, n_bars) for grid in grids]
    base_variants = math.prod(estimate.n_signal_rows for estimate in estimates)
    check_variant_count(base_variants, limits.max_variants, "indicator and signal combinations")
    check_memory(sum(e.total_bytes for e in estimates), limits.max_bytes, "indicator tensors and signals")
    return estimates
