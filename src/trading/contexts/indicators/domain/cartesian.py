"""Cartesian products of grid axes: axis order as given, last axis fastest, fully deterministic."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from trading.contexts.indicators.domain.grid_axis import GridAxis
from trading.contexts.indicators.domain.param_spec import ParamValue


def product_size(axes: Sequence[GridAxis]) -> int:
    return math.prod(len(axis) for axis in axes)


def product_indices(axes: Sequence[GridAxis]) -> np.ndarray:
    """int64[total, k]: row i holds the value index on each axis for combination i."""
    sizes = [len(axis) for axis in axes]
    if not sizes:
        return np.zeros((1, 0), dtype=np.int64)
    grids = np.indices(sizes, dtype=np.int64)
    return grids.reshape(len(sizes), -1).T.copy()


def product_dicts(axes: Sequence[GridAxis]) -> list[dict[str, ParamValue]]:
    indices = product_indices(axes)
    return [{axis.name: axis.values[j] for axis, j in zip(axes, row, strict=True)} for row in indices.tolist()]


def product_columns(axes: Sequence[GridAxis]) -> dict[str, np.ndarray]:
    """One array per axis with the value each combination takes (int64, float64 or object for text)."""
    indices = product_indices(axes)
    columns: dict[str, np.ndarray] = {}
    for k, axis in enumerate(axes):
        values = np.asarray(axis.values, dtype=_column_dtype(axis.values))
        columns[axis.name] = values[indices[:, k]]
    return columns


def _column_dtype(values: Sequence[ParamValue]) -> type:
    if all(isinstance(v, int) for v in values):
        return np.int64
    if all(isinstance(v, int | float) for v in values):
        return np.float64
    return object
