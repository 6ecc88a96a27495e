"""No look-ahead: changing bars after t never changes any MA value at bars <= t."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import ma

KERNELS = (ma.sma, ma.ema, ma.wma, ma.rma, ma.dema, ma.tema, ma.hma)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(20, 300),
    window=st.integers(2, 40),
    cut=st.floats(0.0, 1.0),
    with_nan=st.booleans(),
)
def test_values_up_to_t_ignore_later_bars(seed: int, n: int, window: int, cut: float, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    series = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    if with_nan:
        series[rng.integers(0, n, 3)] = np.nan
    t = int(cut * (n - 1))
    changed = series.copy()
    changed[t + 1 :] = rng.normal(50.0, 30.0, n - t - 1)
    rows = np.stack([series, changed])
    windows = np.array([window, window], dtype=np.int64)
    for kernel in KERNELS:
        out = kernel(rows, np.array([0, 1], dtype=np.int64), windows)
        np.testing.assert_array_equal(out[0, : t + 1], out[1, : t + 1])
