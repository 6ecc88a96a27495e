"""Price sources a `source` input may name, and the rows a batched kernel reads them from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trading.contexts.market_data.domain.timeline import Timeline

SOURCES: tuple[str, ...] = ("open", "high", "low", "close", "hl2", "hlc3", "ohlc4")


@dataclass(frozen=True)
class OhlcvArrays:
    """C-contiguous float64 bar arrays of one length: what every kernel reads."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    @classmethod
    def of(
        cls, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray
    ) -> OhlcvArrays:
        arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (open_, high, low, close, volume)]
        if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
            raise ValueError("OHLCV arrays must be 1-D and of one length")
        return cls(*arrays)

    @classmethod
    def from_timeline(cls, timeline: Timeline) -> OhlcvArrays:
        return cls.of(timeline.open, timeline.high, timeline.low, timeline.close, timeline.volume)

    @property
    def n_bars(self) -> int:
        return int(self.close.shape[0])


def source_series(bars: OhlcvArrays, source: str) -> np.ndarray:
    """Composite sources use the TA-Lib MEDPRICE / TYPPRICE / AVGPRICE formulas."""
    if source == "hl2":
        return (bars.high + bars.low) / 2.0
    if source == "hlc3":
        return (bars.high + bars.low + bars.close) / 3.0
    if source == "ohlc4":
        return (bars.open + bars.high + bars.low + bars.close) / 4.0
    if source in SOURCES:
        return getattr(bars, source)
    raise ValueError(f"unknown price source {source!r}")


def build_source_rows(bars: OhlcvArrays, sources: Sequence[str]) -> np.ndarray:
    """float64[k, n]: one row per distinct source, in the order given."""
    rows = np.empty((len(sources), bars.n_bars), dtype=np.float64)
    for row, source in enumerate(sources):
        rows[row] = source_series(bars, source)
    return rows


def source_rows_for_variants(bars: OhlcvArrays, variant_sources: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(src_rows, src_idx): each distinct source computed once, `src_idx[v]` points at its row."""
    distinct = list(dict.fromkeys(variant_sources))
    position = {source: row for row, source in enumerate(distinct)}
    src_idx = np.fromiter((position[s] for s in variant_sources), dtype=np.int64, count=len(variant_sources))
    return build_source_rows(bars, distinct), src_idx
