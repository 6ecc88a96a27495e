"""Which (first variant, second variant) pairs of two crossed indicator instances param constraints keep.

A constraint compares one numeric compute parameter of each instance (`fast.window < slow.window`).
Pairs are enumerated first variant major, second variant minor (each in its grid's order), and only
kept pairs get a row. The kept count is found before anything of pair size exists: one constraint is
counted with a sorted column and a binary search per first value; several are counted over bounded
blocks of a boolean mask. The kept pairs themselves (two int64 index arrays) are built only after the
guards accepted their count.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from trading.contexts.indicators.domain.grid import IndicatorGrid

MASK_BLOCK_VALUES = 1 << 22  # booleans per mask block: 4 MiB whatever the pair count
COMPARE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class PairConstraint:
    """`first_param op second_param`, already oriented first instance on the left."""

    first_param: str
    op: str
    second_param: str


def axis_column(grid: IndicatorGrid, name: str) -> np.ndarray:
    """float64[n_variants]: the value each compute variant of `grid` takes on axis `name` (no product)."""
    names = [axis.name for axis in grid.axes]
    k = names.index(name)
    stride = int(np.prod([len(axis) for axis in grid.axes[k + 1 :]], dtype=np.int64))
    values = np.asarray(grid.axes[k].values, dtype=np.float64)
    positions = (np.arange(grid.n_variants, dtype=np.int64) // stride) % values.shape[0]
    return values[positions]


def _columns(
    first: IndicatorGrid, second: IndicatorGrid, constraints: Sequence[PairConstraint]
) -> list[tuple[np.ndarray, str, np.ndarray]]:
    return [(axis_column(first, c.first_param), c.op, axis_column(second, c.second_param)) for c in constraints]


def count_kept_pairs(first: IndicatorGrid, second: IndicatorGrid, constraints: Sequence[PairConstraint]) -> int:
    """Pairs meeting every constraint, counted without listing them."""
    if not constraints:
        return first.n_variants * second.n_variants
    columns = _columns(first, second, constraints)
    if len(columns) == 1:
        left, op, right = columns[0]
        ordered = np.sort(right)
        n = ordered.shape[0]
        if op in ("<", "<="):  # right above (or at) left
            counts = n - np.searchsorted(ordered, left, side="right" if op == "<" else "left")
        else:
            counts = np.searchsorted(ordered, left, side="left" if op == ">" else "right")
        return int(counts.sum())
    return sum(int(np.count_nonzero(mask)) for _, mask in _mask_blocks(columns))


def kept_pairs(
    first: IndicatorGrid, second: IndicatorGrid, constraints: Sequence[PairConstraint]
) -> tuple[np.ndarray, np.ndarray]:
    """(first index, second index) of every kept pair in enumeration order; call after the guards."""
    if not constraints:
        first_idx = np.repeat(np.arange(first.n_variants, dtype=np.int64), second.n_variants)
        return first_idx, np.tile(np.arange(second.n_variants, dtype=np.int64), first.n_variants)
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for start, mask in _mask_blocks(_columns(first, second, constraints)):
        rows, cols = np.nonzero(mask)
        firsts.append(rows.astype(np.int64) + start)
        seconds.append(cols.astype(np.int64))
    return np.concatenate(firsts), np.concatenate(seconds)


def _mask_blocks(columns: list[tuple[np.ndarray, str, np.ndarray]]) -> Iterator[tuple[int, np.ndarray]]:
    """(first start, bool[block, n_second]) blocks of the all-constraints mask, first variant major."""
    n_first, n_second = columns[0][0].shape[0], columns[0][2].shape[0]
    step = max(1, MASK_BLOCK_VALUES // max(1, n_second))
    for start in range(0, n_first, step):
        stop = min(start + step, n_first)
        mask = np.ones((stop - start, n_second), dtype=bool)
        for left, op, right in columns:
            mask &= COMPARE[op](left[start:stop, None], right[None, :])
        yield start, mask
