"""A fixed, seeded scoring workload whose metric bytes every node must reproduce exactly.

`trading cluster check` runs it on every node and compares the digest with the driver's: a node with
another numpy / numba / CPU-feature build that changes a single bit shows up before a search does.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform

import numpy as np

from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_block_metric
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams

_BARS = 5_000
_ROWS = 16
_SEED = 20_240_101
_PACKAGES = ("trading", "numpy", "numba", "ray")


def golden_digest() -> str:
    rng = np.random.default_rng(_SEED)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.002, _BARS)))
    signals = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(_ROWS, _BARS), p=[0.05, 0.9, 0.05])
    sl = np.array([np.nan, 0.5, 1.0, 2.0])
    tp = np.array([np.nan, 1.0, 3.0, 6.0])
    sig_idx = np.repeat(np.arange(_ROWS, dtype=np.int64), sl.shape[0] * tp.shape[0])
    sl_all = np.tile(np.repeat(sl, tp.shape[0]), _ROWS)
    tp_all = np.tile(np.tile(tp, sl.shape[0]), _ROWS)
    metrics = score_block_metric(close, signals, sig_idx, sl_all, tp_all, ExecutionParams(fee_pct=0.075))
    return hashlib.sha256(metrics.tobytes()).hexdigest()


def node_versions() -> dict[str, str]:
    """Python and the packages whose versions must match across the cluster (lockstep)."""
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions
