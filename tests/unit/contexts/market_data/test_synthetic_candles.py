from __future__ import annotations

import time

import numpy as np
import pytest

from trading.contexts.market_data.domain.ohlcv import COLUMNS, MINUTE_MS, Ohlcv
from trading.contexts.market_data.domain.synthetic import synthesize_1m

START = 1_704_067_200_000  # 2024-01-01T00:00Z


def _bytes(bars: Ohlcv) -> bytes:
    return b"".join(bars[name].tobytes() for name in COLUMNS)


def test_same_seed_gives_identical_bytes_and_other_seeds_differ() -> None:
    first = synthesize_1m(START, 10_000, seed=7)
    assert _bytes(first) == _bytes(synthesize_1m(START, 10_000, seed=7))
    other = synthesize_1m(START, 10_000, seed=8)
    assert not np.array_equal(first["close"], other["close"])
    assert np.array_equal(first["ts"], other["ts"])


def test_pinned_values_for_seed_42() -> None:
    """Guards against silent changes of the generator (demo data and fixtures depend on it)."""
    bars = synthesize_1m(START, 3, seed=42, start_price=100.0)
    assert bars["ts"].tolist() == [START, START + MINUTE_MS, START + 2 * MINUTE_MS]
    assert bars["open"][0] == 100.0
    assert bars["open"][1:].tolist() == bars["close"][:-1].tolist()
    np.testing.assert_allclose(bars["close"], [100.02518748989668, 99.93909892700404, 100.00115391772592], rtol=1e-13)


def test_ohlc_invariants_and_volatility() -> None:
    bars = synthesize_1m(START, 200_000, seed=3, start_price=50_000.0, annual_vol=0.8)
    o, h, lo, c, v = (bars[name] for name in COLUMNS[1:])
    assert np.all(h >= np.maximum(o, c)) and np.all(lo <= np.minimum(o, c))
    assert np.all(lo > 0) and np.all(v > 0)
    assert np.all(np.diff(bars["ts"]) == MINUTE_MS)
    realised = np.std(np.diff(np.log(c))) * np.sqrt(365 * 24 * 60)
    assert realised == pytest.approx(0.8, rel=0.01)


def test_gap_injection_drops_exact_fraction_and_keeps_surviving_bars_unchanged() -> None:
    full = synthesize_1m(START, 50_000, seed=11)
    gapped = synthesize_1m(START, 50_000, seed=11, gap_fraction=0.1)
    assert gapped["ts"].shape[0] == 45_000
    position = (gapped["ts"] - START) // MINUTE_MS
    for name in COLUMNS:
        assert np.array_equal(gapped[name], full[name][position])
    again = synthesize_1m(START, 50_000, seed=11, gap_fraction=0.1)
    assert np.array_equal(again["ts"], gapped["ts"])


@pytest.mark.parametrize(
    ("start_ms", "n_bars", "gap_fraction", "start_price", "message"),
    [
        (START + 1, 10, 0.0, 100.0, "whole UTC minute"),
        (START, -1, 0.0, 100.0, "n_bars must be >= 0"),
        (START, 10, 1.0, 100.0, "gap_fraction must be in"),
        (START, 10, 0.0, 0.0, "start_price"),
    ],
)
def test_bad_arguments_are_rejected(
    start_ms: int, n_bars: int, gap_fraction: float, start_price: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        synthesize_1m(start_ms, n_bars, 1, start_price=start_price, gap_fraction=gap_fraction)


def test_500k_bars_in_well_under_a_second() -> None:
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        synthesize_1m(START, 500_000, seed=1)
        timings.append(time.perf_counter() - began)
    assert min(timings) < 1.0  # ~0.08 s on an idle core; generous for a shared, loaded machine
