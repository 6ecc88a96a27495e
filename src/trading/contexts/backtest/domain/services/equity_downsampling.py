"""Deterministic downsampling of an equity curve for plotting: the first and last points, plus the
lowest and highest point of each equal-width bucket in between, so drawdown troughs and peaks survive."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt


def min_max_downsample_indices(values: npt.NDArray[np.float64], max_points: int) -> npt.NDArray[np.int64]:
    """Sorted indices of the points to keep, at most `max_points` (>= 4) of them; ties keep the first."""
    n = values.shape[0]
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    if max_points < 4:
        raise ValueError("max_points must be at least 4")
    n_buckets = (max_points - 2) // 2
    edges = np.linspace(1, n - 1, n_buckets + 1).astype(np.int64)
    kept = [0, n - 1]
    for start, stop in itertools.pairwise(edges):
        if stop > start:
            bucket = values[start:stop]
            kept.append(start + int(np.argmin(bucket)))
            kept.append(start + int(np.argmax(bucket)))
    return np.unique(np.array(kept, dtype=np.int64))
