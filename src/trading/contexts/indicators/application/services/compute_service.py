"""One indicator grid on one bar series -> its primary tensor, one row per variant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trading.contexts.indicators.domain.definition import KernelInputs
from trading.contexts.indicators.domain.grid import IndicatorGrid, IndicatorVariant
from trading.contexts.indicators.domain.price_sources import OhlcvArrays, source_rows_for_variants
from trading.contexts.market_data.domain.timeline import Timeline


@dataclass(frozen=True)
class IndicatorTensor:
    """`primary[j]` belongs to `variants[j]`; `price_rows[price_idx[j]]` is the price its signal rule
    compares against (the variant's source, close when the indicator has none)."""

    grid: IndicatorGrid
    primary: np.ndarray
    variants: list[IndicatorVariant]
    price_rows: np.ndarray
    price_idx: np.ndarray


def variant_sources(ohlcv: OhlcvArrays, variants: Sequence[IndicatorVariant]) -> tuple[np.ndarray, np.ndarray]:
    """(src_rows, src_idx): the distinct `source` rows of the variants (close where there is none)."""
    return source_rows_for_variants(ohlcv, [str(v.inputs.get("source", "close")) for v in variants])


def compute_indicator(bars: OhlcvArrays | Timeline, grid: IndicatorGrid) -> IndicatorTensor:
    ohlcv = bars if isinstance(bars, OhlcvArrays) else OhlcvArrays.from_timeline(bars)
    variants = grid.variants()
    src_rows, src_idx = variant_sources(ohlcv, variants)
    columns = {name: column for name, column in grid.columns().items() if name != "source"}
    primary = grid.definition.compute(KernelInputs(ohlcv, src_rows, src_idx, columns))
    expected = (grid.n_variants, ohlcv.n_bars)
    if primary.shape != expected or primary.dtype != np.float64:
        raise RuntimeError(f"{grid.indicator_id} kernel returned {primary.dtype}{primary.shape}, want {expected}")
    return IndicatorTensor(grid, primary, variants, src_rows, src_idx)
