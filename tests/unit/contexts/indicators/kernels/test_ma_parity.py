"""MA kernels against TA-Lib (sma, ema, wma, dema, tema) and plain-numpy references (rma, hma)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import talib

from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import ma
from trading.contexts.indicators.domain.price_sources import OhlcvArrays, build_source_rows

WINDOWS = np.array([2, 3, 9, 20, 50, 200], dtype=np.int64)
RTOL = 1e-9

TALIB_PAIRS: list[tuple[Callable, Callable]] = [
    (ma.sma, talib.SMA),
    (ma.ema, talib.EMA),
    (ma.wma, talib.WMA),
    (ma.dema, talib.DEMA),
    (ma.tema, talib.TEMA),
]


def assert_parity(actual: np.ndarray, expected: np.ndarray) -> None:
    """Same NaN prefix as the reference, then equal to RTOL relative."""
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    valid = ~np.isnan(expected)
    assert valid.any()
    np.testing.assert_allclose(actual[valid], expected[valid], rtol=RTOL, atol=0.0)


def ma_rows(kernel: Callable, series: np.ndarray, windows: np.ndarray = WINDOWS) -> np.ndarray:
    rows = np.ascontiguousarray(series[None, :])
    return kernel(rows, np.zeros(windows.shape[0], dtype=np.int64), windows)


@pytest.mark.parametrize(("kernel", "reference"), TALIB_PAIRS, ids=lambda f: getattr(f, "__name__", "?"))
def test_matches_talib_on_100k_bars(kernel: Callable, reference: Callable, bars: OhlcvArrays) -> None:
    out = ma_rows(kernel, bars.close)
    for row, window in zip(out, WINDOWS, strict=True):
        assert_parity(row, reference(bars.close, timeperiod=int(window)))


@pytest.mark.parametrize(("kernel", "reference"), TALIB_PAIRS, ids=lambda f: getattr(f, "__name__", "?"))
def test_nan_gap_restarts_like_a_fresh_series(kernel: Callable, reference: Callable, bars: OhlcvArrays) -> None:
    """TA-Lib defines NaN only as leading input (it starts after it); each segment after a gap must
    equal TA-Lib run on that segment alone, and every output inside a gap is NaN."""
    series = bars.close[:5000].copy()
    gaps = [(0, 3), (1200, 1201), (2500, 2540)]
    segments = [(3, 1200), (1201, 2500), (2540, 5000)]
    for start, stop in gaps:
        series[start:stop] = np.nan
    out = ma_rows(kernel, series, np.array([5, 30], dtype=np.int64))
    for row, window in zip(out, (5, 30), strict=True):
        for start, stop in segments:
            assert_parity(row[start:stop], reference(series[start:stop], timeperiod=window))
        for start, stop in gaps:
            assert np.isnan(row[start:stop]).all()


def test_source_rows_pick_the_variant_source(bars: OhlcvArrays) -> None:
    rows = build_source_rows(bars, ["close", "hlc3"])
    out = ma.sma(rows, np.array([1, 0], dtype=np.int64), np.array([10, 10], dtype=np.int64))
    assert_parity(out[0], talib.SMA(talib.TYPPRICE(bars.high, bars.low, bars.close), timeperiod=10))
    assert_parity(out[1], talib.SMA(bars.close, timeperiod=10))


def wilder_reference(x: np.ndarray, window: int) -> np.ndarray:
    out = np.full(x.shape[0], np.nan)
    out[window - 1] = x[:window].mean()
    for i in range(window, x.shape[0]):
        out[i] = out[i - 1] + (x[i] - out[i - 1]) / window
    return out


def wma_reference(x: np.ndarray, window: int) -> np.ndarray:
    out = np.full(x.shape[0], np.nan)
    weights = np.arange(1, window + 1, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(x, window)
    out[window - 1 :] = windows @ weights / weights.sum()
    return out


def hma_reference(x: np.ndarray, window: int) -> np.ndarray:
    diff = 2.0 * wma_reference(x, window // 2) - wma_reference(x, window)
    start = window - 1
    out = np.full(x.shape[0], np.nan)
    out[start:] = wma_reference(diff[start:], int(np.floor(np.sqrt(window))))
    return out


@pytest.mark.parametrize(
    ("kernel", "reference"), [(ma.rma, wilder_reference), (ma.hma, hma_reference)], ids=["rma", "hma"]
)
def test_matches_numpy_reference(kernel: Callable, reference: Callable, bars: OhlcvArrays) -> None:
    windows = np.array([4, 9, 16, 55, 200], dtype=np.int64)
    out = ma_rows(kernel, bars.close, windows)
    for row, window in zip(out, windows, strict=True):
        assert_parity(row, reference(bars.close, int(window)))


def test_hma_golden_values() -> None:
    """Hand-computed: window 4 -> half 2, sqrt 2, on 1, 2, 4, 8, 16."""
    out = ma_rows(ma.hma, np.array([1.0, 2.0, 4.0, 8.0, 16.0]), np.array([4], dtype=np.int64))[0]
    # wma2[3..4] = 20/3, 40/3; wma4[3..4] = 4.9, 9.8; diff = 8.4333.., 16.8666..; wma2(diff) at 4:
    np.testing.assert_allclose(out[4], 14.055555555555555, rtol=1e-12)
    assert np.isnan(out[:4]).all()


def test_rolling_sums_do_not_drift_on_large_offsets() -> None:
    """A huge level with tiny moves: a plain running sum loses the moves; ours stays exact."""
    rng = np.random.default_rng(3)
    series = 1e9 + rng.normal(0.0, 1e-3, 200_000)
    out = ma_rows(ma.sma, series, np.array([50], dtype=np.int64))[0]
    expected = np.lib.stride_tricks.sliding_window_view(series, 50).mean(axis=1)
    np.testing.assert_allclose(out[49:], expected, rtol=1e-15, atol=2e-6)
