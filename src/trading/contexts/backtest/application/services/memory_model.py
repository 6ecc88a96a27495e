"""Peak memory of one search, estimated from its counts before anything is built.

The old estimate counted one indicator tensor, the signal banks and a fixed chunk, and was 3.6x-18.7x
below the measured peak. What it left out: the timeline and its 1m source rows, the full-length signal
rows that live beside their target slice, each kernel's scratch, the per-variant bookkeeping (variant
objects, key fragments, signal-param dicts), the risk grid's columns and the Stage A / Stage B chunks
(Stage B's AND of several banks is a fresh int8 block per chunk). Constants are calibrated by
`bench/bench_memory_estimate.py`, which measures the peak RSS growth of real searches.

Peak = timeline + bookkeeping + max(1m load, setup peak, banks + the larger stage chunk): the 1m
rows are gone before the first indicator is computed, and the banks exist only once setup is done.
Stage A ANDs several banks a base at a time in one scratch row per thread; a Stage B chunk's combined
rows are built while the previous chunk's are still referenced, so two count.
A grid whose signal is the price against a moving average builds no tensor: its rows are written over
the target bars a variant at a time, each thread holding a few float64 rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trading.contexts.backtest.application.services.signal_units import InstancePlan
from trading.contexts.backtest.application.services.signals_from_indicators_v1 import signals_need_no_tensor
from trading.contexts.indicators.domain.grid import IndicatorGrid

TIMELINE_BYTES_PER_BAR = 8 + 5 * 8 + 1  # ts, OHLCV, filled flag
SOURCE_1M_BYTES_PER_MINUTE = 6 * 8 * 2  # stored 1m columns as read, plus the rollup's working copy
TENSOR_BYTES_PER_VALUE = 8  # float64 primary tensor; the kernels fill it in place (no [v, n] scratch)
AVERAGE_ROWS_PER_THREAD = 3  # float64 rows per thread of a price-vs-average grid: the average, tema's / hma's two
LIVE_CHUNKS = 2  # the chunk being built and the one its variable still holds
SOURCE_ROW_BYTES_PER_BAR = 4 * 8  # price rows a kernel reads (close, high, low, a derived source)
BYTES_PER_INDICATOR_VARIANT = 1_200  # IndicatorVariant + its dicts, payload dict and key fragment
BYTES_PER_SIGNAL_COMBINATION = 400  # one signal-param dict
BYTES_PER_CHUNK_VARIANT = 200  # sig_idx, sl/tp, metrics, sort columns, ids of one scored variant
BYTES_PER_RISK_VARIANT = 16  # the sl and tp columns of the risk grid
BYTES_PER_KEYED_VARIANT = 2_000  # a cached base identity (canonical text, selections) or frontier key
PAIR_INDEX_BYTES = 16  # first and second variant index of one kept cross pair
RUN_OVERHEAD_BYTES = 8 * 2**20  # a run's Python and numba working set beyond its arrays (measured)


@dataclass(frozen=True)
class SearchShape:
    """The counts the estimate needs; all known after validation, before the timeline is read."""

    n_bars: int
    n_target: int
    minutes_per_bar: int
    stage_a: int
    shortlist: int
    risk: int
    top_k: int
    chunk_variant_bars: int
    threads: int  # numba threads at most
    banks: int  # signal units: the banks whose rows Stage A ANDs per base


@dataclass(frozen=True)
class MemoryEstimate:
    parts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def cross_pair_bytes(instances: InstancePlan, n_target: int) -> int:
    """What cross banks hold beside the plain banks: both sides' float64 primaries over the target bars
    and the two int64 index arrays of the kept pairs (their int8 rows are made per chunk)."""
    return sum(
        (unit.first.grid.n_variants + unit.second.grid.n_variants) * n_target * TENSOR_BYTES_PER_VALUE
        + unit.size * PAIR_INDEX_BYTES
        for unit in instances.cross_units
    )


def estimate_search_memory(grids: Sequence[IndicatorGrid], shape: SearchShape, cross_bytes: int = 0) -> MemoryEstimate:
    n, n_target = shape.n_bars, shape.n_target
    bank_bytes = [g.n_variants * g.n_signal_variants * n_target for g in grids]
    setup_transients = [_setup_transient(g, shape) + n * SOURCE_ROW_BYTES_PER_BAR for g in grids]
    setup_peak = max(sum(bank_bytes[:i]) + transient for i, transient in enumerate(setup_transients))
    has_cross = cross_bytes > 0
    stages = max(_stage_a_chunk(shape, has_cross), _stage_b_chunk(shape, has_cross))
    load_1m = n * shape.minutes_per_bar * SOURCE_1M_BYTES_PER_MINUTE
    parts = {
        "timeline": n * TIMELINE_BYTES_PER_BAR,
        "bookkeeping": sum(
            g.n_variants * BYTES_PER_INDICATOR_VARIANT + g.n_signal_variants * BYTES_PER_SIGNAL_COMBINATION
            for g in grids
        )
        + (shape.shortlist + shape.top_k) * BYTES_PER_KEYED_VARIANT
        + shape.risk * BYTES_PER_RISK_VARIANT,
        "compute": max(load_1m, setup_peak, sum(bank_bytes) + cross_bytes + stages),
        "overhead": RUN_OVERHEAD_BYTES,
    }
    return MemoryEstimate(parts)


def _setup_transient(grid: IndicatorGrid, shape: SearchShape) -> int:
    """What building one grid's bank holds beside the banks built before it."""
    rows = grid.n_variants * grid.n_signal_variants
    if signals_need_no_tensor(grid):  # rows written over the target bars (then repeated per signal combination)
        written = grid.n_variants * shape.n_target + (rows * shape.n_target if rows > grid.n_variants else 0)
        return written + shape.threads * AVERAGE_ROWS_PER_THREAD * shape.n_bars * TENSOR_BYTES_PER_VALUE
    # the tensor, then the full-length signal rows beside their target slice
    return grid.n_variants * shape.n_bars * TENSOR_BYTES_PER_VALUE + rows * shape.n_bars


def _chunk_variants(shape: SearchShape, per_unit: int, units: int) -> int:
    """Variants scored per chunk (StagedCore._chunk: chunk_variant_bars // (bars x variants per unit))."""
    step = max(1, shape.chunk_variant_bars // max(1, shape.n_target * per_unit))
    return min(step, units) * per_unit


def _stage_a_chunk(shape: SearchShape, has_cross: bool) -> int:
    """One bank is scored in place; several are ANDed a base at a time in each thread's scratch row; a
    cross bank makes its chunk's rows first."""
    variants = _chunk_variants(shape, 1, shape.stage_a)
    scratch_rows = shape.threads * shape.n_target if shape.banks > 1 else 0
    cross_rows = LIVE_CHUNKS * variants * shape.n_target if has_cross else 0
    return scratch_rows + cross_rows + LIVE_CHUNKS * variants * BYTES_PER_CHUNK_VARIANT


def _stage_b_chunk(shape: SearchShape, has_cross: bool) -> int:
    """Each chunk builds its bases' rows (the AND of several banks, a cross bank's rows) once; a
    shortlist that fits one chunk never holds two."""
    variants = _chunk_variants(shape, shape.risk, shape.shortlist)
    positions = variants // max(1, shape.risk)
    live = min(LIVE_CHUNKS, -(-shape.shortlist // max(1, positions)))
    combined_rows = positions * shape.n_target if shape.banks > 1 or has_cross else 0
    return live * (combined_rows + variants * BYTES_PER_CHUNK_VARIANT) + shape.risk * BYTES_PER_RISK_VARIANT
