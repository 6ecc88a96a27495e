"""sma_into sums its resync window while the bars stream by; its values must stay those of the plain
algorithm (rolling sum, recomputed by a separate loop every `window` bars) bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import sma_into


def plain_sma(x: np.ndarray, window: int) -> np.ndarray:
    """The reference: the kernel as it was before the resync sum moved into the main loop."""
    out = np.empty(x.shape[0])
    total, run, since_resync = 0.0, 0, 0
    for i, value in enumerate(x.tolist()):
        if math.isnan(value):
            run, total, out[i] = 0, 0.0, np.nan
            continue
        if run < window:
            run += 1
            total += value
            since_resync = 0
            out[i] = total / window if run == window else np.nan
            continue
        since_resync += 1
        if since_resync == window:
            since_resync = 0
            total = 0.0
            for j in range(i - window + 1, i + 1):
                total += x[j]
        else:
            total += value - x[i - window]
        out[i] = total / window
    return out


def series(seed: int) -> np.ndarray:
    """Magnitudes from 1e-6 to 1e9 (a changed summation order would round differently), NaN gaps of
    one and of many bars, signed zeros."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, 3_000) * rng.choice([1e-6, 1.0, 1e9], 3_000)
    x[rng.integers(0, 3_000, 6)] = np.nan
    x[1_500:1_530] = np.nan
    x[100:140] = -0.0
    return x


@pytest.mark.parametrize("window", [1, 2, 3, 7, 50, 200])
@pytest.mark.parametrize("seed", [1, 2])
def test_sma_into_equals_the_plain_algorithm_bit_for_bit(window: int, seed: int) -> None:
    x = series(seed)
    out = np.empty(x.shape[0])
    sma_into(x, window, out)
    expected = plain_sma(x, window)
    assert np.array_equal(out.view(np.int64), expected.view(np.int64))
    assert np.count_nonzero(~np.isnan(out)) > 1_000


def test_the_series_makes_summation_order_visible() -> None:
    """Sanity of the check above: on this data, summing a 7-bar window backwards rounds differently."""
    x = series(1)
    windows = [x[i - 6 : i + 1] for i in range(6, x.shape[0]) if not np.isnan(x[i - 6 : i + 1]).any()]
    forward = [sum(w.tolist()) for w in windows]
    backward = [sum(w[::-1].tolist()) for w in windows]
    assert sum(f != b for f, b in zip(forward, backward, strict=True)) > 100
