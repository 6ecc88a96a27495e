"""Hand-computed values and the documented degenerate cases of the catalogue-A kernels."""

from __future__ import annotations

import math

import numpy as np
import talib

from tests.unit.contexts.indicators.kernels.kernel_checks import ints, parity_bars
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels import dispersion, ma, oscillators

NAN = np.nan


def one_row(values: list[float]) -> np.ndarray:
    return np.array([values], dtype=np.float64)


def test_zlema_is_the_ema_of_the_delagged_series() -> None:
    """window 3 -> lag 1: de-lagged 3, 6, 12, 24; SMA seed (3 + 6 + 12) / 3 = 7, then 7 + (24 - 7) / 2."""
    out = ma.zlema(one_row([1.0, 2.0, 4.0, 8.0, 16.0]), ints(0), ints(3))[0]
    np.testing.assert_array_equal(out, [NAN, NAN, NAN, 7.0, 15.5])


def test_vwma_weights_by_volume_and_is_nan_without_any_volume() -> None:
    volume = np.array([1.0, 0.0, 3.0, 0.0, 0.0])
    out = ma.vwma(one_row([1.0, 2.0, 3.0, 4.0, 5.0]), ints(0), volume, ints(2))[0]
    np.testing.assert_array_equal(out, [NAN, 1.0, 3.0, 3.0, NAN])


def test_hv_is_the_percent_std_of_log_returns() -> None:
    """Two equal returns have std exactly 0; (ln 1.1, 0) has std ln(1.1) / 2."""
    out = dispersion.hv(one_row([100.0, 110.0, 121.0, 121.0]), ints(0), ints(2))[0]
    np.testing.assert_array_equal(out[:3], [NAN, NAN, 0.0])
    assert abs(out[3] / (50.0 * math.log(1.1)) - 1.0) < 1e-14


def test_hv_is_nan_around_a_non_positive_price() -> None:
    out = dispersion.hv(one_row([1.0, 0.0, 1.0, 2.0, 4.0]), ints(0), ints(2))[0]
    np.testing.assert_array_equal(out, [NAN, NAN, NAN, NAN, 0.0])


def test_bandwidth_golden_flat_and_zero_basis() -> None:
    """(-1, 1): basis 0 -> NaN; (1, 5): basis 3, std 2 -> 8 / 3; (5, 5): flat -> 0."""
    out = dispersion.bbands_bandwidth(one_row([-1.0, 1.0, 5.0, 5.0]), ints(0), ints(2))[0]
    np.testing.assert_array_equal(out[:2], [NAN, NAN])
    assert abs(out[2] - 8.0 / 3.0) < 1e-15
    assert out[3] == 0.0


def test_variance_is_the_population_variance() -> None:
    out = dispersion.variance(one_row([1.0, 2.0, 4.0, 4.0, 4.0]), ints(0), ints(3))[0]
    np.testing.assert_allclose(out[2], np.var([1.0, 2.0, 4.0]), rtol=1e-15)
    assert out[4] == 0.0


def test_williams_r_golden_and_flat_window() -> None:
    """Close at the window high is 0, at the window low -100; a flat window is 0 like TA-Lib."""
    high = np.array([10.0, 12.0, 11.0, 9.0, 7.0, 7.0])
    low = np.array([8.0, 9.0, 9.0, 7.0, 7.0, 7.0])
    close = np.array([9.0, 12.0, 9.0, 8.0, 7.0, 7.0])
    out = oscillators.williams_r(high, low, close, ints(2))[0]
    np.testing.assert_array_equal(out, [NAN, 0.0, -100.0, -75.0, -100.0, 0.0])


def test_stoch_rsi_with_a_one_bar_range_is_zero_like_talib() -> None:
    close = parity_bars().close[:500]
    out = oscillators.stoch_rsi(close[None, :], ints(0), ints(14), ints(1))[0]
    expected = talib.STOCHRSI(close, 14, 1, 1, talib.MA_Type.SMA)[0]
    np.testing.assert_array_equal(out, expected)
    assert (out[14:] == 0.0).all()


def test_ppo_keeps_the_periods_as_given() -> None:
    """TA-Lib swaps fast > slow; we do not, so ppo(26, 12) is EMA26 / EMA12 - 1, not ppo(12, 26)."""
    close = parity_bars().close[:400]
    swapped = oscillators.ppo(close[None, :], ints(0), ints(26), ints(12))[0]
    fast, slow = talib.EMA(close, 26), talib.EMA(close, 12)
    np.testing.assert_allclose(swapped, (fast - slow) / slow * 100.0, rtol=1e-9, equal_nan=True)
    assert np.nanmax(np.abs(swapped - talib.PPO(close, 26, 12, talib.MA_Type.EMA))) > 1e-3


def test_trix_of_a_constant_is_zero_and_of_zeros_is_nan() -> None:
    rows = np.array([[5.0] * 12, [0.0] * 12])
    out = oscillators.trix(rows, ints(0, 1), ints(3, 3))
    np.testing.assert_array_equal(out[0], [NAN] * 7 + [0.0] * 5)
    assert np.isnan(out[1]).all()


def test_fisher_golden_first_bars() -> None:
    """window 2 on mids 1, 2, 3, 3: positions 1, 1, then a flat window counts as the middle."""
    mids = np.array([1.0, 2.0, 3.0, 3.0])
    out = oscillators.fisher(mids, mids, ints(2))[0]
    expected = [NAN]
    value = fish = 0.0
    for position in (1.0, 1.0, 0.5):
        value = 0.66 * (position - 0.5) + 0.67 * value
        fish = 0.5 * math.log((1.0 + value) / (1.0 - value)) + 0.5 * fish
        expected.append(fish)
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    assert abs(out[1] - 0.5 * math.log(1.33 / 0.67)) < 1e-15


def test_fisher_saturates_at_the_clamp_on_a_steady_rise() -> None:
    """v -> 0.33 / (1 - 0.67) = 1 is clamped to 0.999, so fisher -> ln(1.999 / 0.001) = ln 1999."""
    mids = np.arange(1.0, 61.0)
    out = oscillators.fisher(mids, mids, ints(2))[0]
    assert abs(out[-1] - math.log(1999.0)) < 1e-9
