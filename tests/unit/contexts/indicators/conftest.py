"""Synthetic bars shared by the indicator tests: a seeded random walk, long enough for drift to show."""

from __future__ import annotations

import numpy as np
import pytest

from trading.contexts.indicators.domain.price_sources import OhlcvArrays

N_BARS = 100_000


def random_walk_bars(n: int, seed: int) -> OhlcvArrays:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    spread = np.abs(rng.normal(0.0, 0.005, n)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    volume = rng.uniform(1.0, 100.0, n)
    return OhlcvArrays.of(open_, high, low, close, volume)


@pytest.fixture(scope="session")
def bars() -> OhlcvArrays:
    return random_walk_bars(N_BARS, seed=7)
