"""Spearman's rank correlation with average ranks for ties (the textbook definition: Pearson's
correlation of the ranks), for judging how an in-sample ranking held out of sample."""

from __future__ import annotations

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 in ascending order; tied values share the mean of their ranks."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return (first + (counts - 1) / 2.0)[inverse]


def spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    """Over the pairs where both are finite; None below two pairs or when either side has no variation."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    if int(both.sum()) < 2:
        return None
    ra, rb = average_ranks(a[both]), average_ranks(b[both])
    da, db = ra - ra.mean(), rb - rb.mean()
    denominator = float(np.sqrt((da * da).sum() * (db * db).sum()))
    return None if denominator == 0.0 else float((da * db).sum() / denominator)
