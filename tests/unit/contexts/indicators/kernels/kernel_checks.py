"""Tick-rounded synthetic bars and the checks every volatility/momentum/trend/volume kernel must pass.

A `Case` wraps one kernel with a fixed batch of per-variant params and, where one exists, a reference
that computes a single variant on clean bars (TA-Lib or a plain-Python oracle). The checks are:
parity on 100k bars, restart after NaN gaps, batch == one call per variant, and no look-ahead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

RTOL = 1e-9
PARITY_BARS = 100_000
FIELDS = ("open", "high", "low", "close", "volume")


class Bars(NamedTuple):
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def source_rows(self) -> np.ndarray:
        """The distinct sources kernels read through `src_idx`: row 0 close, row 1 hl2."""
        return np.ascontiguousarray(np.vstack([self.close, (self.high + self.low) / 2.0]))

    def slice(self, start: int, stop: int) -> Bars:
        return Bars(*(np.ascontiguousarray(a[start:stop]) for a in self))

    def with_nan(self, start: int, stop: int, fields: tuple[str, ...] = FIELDS) -> Bars:
        arrays = {name: getattr(self, name).copy() for name in FIELDS}
        for name in fields:
            arrays[name][start:stop] = np.nan
        return Bars(**arrays)


def make_bars(n: int, seed: int, tick: float = 0.01) -> Bars:
    """Geometric random walk (1% per bar, log-price slowly pulled back to 100 so 100k bars stay in a
    realistic range) rounded to a price tick, so equal prices (flat moves, flat windows) occur as in
    real data; high >= max(open, close) and low <= min(open, close) hold after rounding. About 1% of
    the bars carry zero volume."""
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, 0.01, n)
    log_close = np.empty(n)
    level = 0.0
    for i in range(n):
        level += shocks[i] - 0.001 * level
        log_close[i] = level
    close = 100.0 * np.exp(log_close)
    open_ = np.concatenate(([100.0], close[:-1])) * np.exp(rng.normal(0.0, 0.002, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.005, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.005, n)))
    open_, high, low, close = (np.round(a / tick) * tick for a in (open_, high, low, close))
    high = np.maximum(high, np.maximum(open_, close))
    low = np.minimum(low, np.minimum(open_, close))
    volume = np.floor(rng.lognormal(8.0, 1.0, n))
    volume[rng.random(n) < 0.01] = 0.0
    return Bars(open_, high, low, close, volume)


@functools.cache
def parity_bars() -> Bars:
    return make_bars(PARITY_BARS, seed=11)


def assert_parity(actual: np.ndarray, expected: np.ndarray) -> None:
    """NaN exactly where the reference is NaN, elsewhere equal to RTOL relative. Values that cross
    zero (macd, roc, cci) are compared relative to the series' median magnitude when smaller."""
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    valid = ~np.isnan(expected)
    assert valid.any()
    scale = np.maximum(np.abs(expected[valid]), np.median(np.abs(expected[valid])))
    error = np.abs(actual[valid] - expected[valid]) / scale
    worst = int(np.argmax(error))
    assert error[worst] <= RTOL, (
        f"relative error {error[worst]:.3e} at valid index {worst}: "
        f"{actual[valid][worst]!r} vs {expected[valid][worst]!r}"
    )


@dataclass(frozen=True)
class Case:
    """One kernel with a batch of per-variant params (each a length-v array)."""

    name: str
    kernel: Callable[..., np.ndarray]
    params: tuple[np.ndarray, ...]
    reference: Callable[..., np.ndarray] | None = None
    fields: tuple[str, ...] = ()

    def run(self, bars: Bars) -> np.ndarray:
        return self.kernel(bars, *self.params)

    def run_variant(self, bars: Bars, j: int) -> np.ndarray:
        return self.kernel(bars, *(p[j : j + 1] for p in self.params))

    def expected(self, bars: Bars, j: int) -> np.ndarray:
        assert self.reference is not None
        return self.reference(bars, *(p[j].item() for p in self.params))

    @property
    def variants(self) -> int:
        return self.params[0].shape[0] if self.params else 1


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def floats(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def check_parity(case: Case, bars: Bars) -> None:
    out = case.run(bars)
    assert out.shape == (case.variants, bars.close.shape[0])
    for j in range(case.variants):
        assert_parity(out[j], case.expected(bars, j))


GAPS = ((0, 3), (1200, 1201), (2500, 2540), (4100, 4102))


def check_gap_restart(case: Case, bars: Bars) -> None:
    """Every output on a missing bar is NaN and each segment between gaps equals the reference run on
    that segment alone, i.e. the kernel restarts as if the series began after the gap."""
    gapped = bars
    for start, stop in GAPS:
        gapped = gapped.with_nan(start, stop)
    out = case.run(gapped)
    bounds = [stop for _, stop in GAPS]
    starts = [start for start, _ in GAPS[1:]] + [bars.close.shape[0]]
    for j in range(case.variants):
        for start, stop in GAPS:
            assert np.isnan(out[j, start:stop]).all()
        for seg_start, seg_stop in zip(bounds, starts, strict=True):
            assert_parity(out[j, seg_start:seg_stop], case.expected(bars.slice(seg_start, seg_stop), j))


def check_any_input_nan_marks_bar_missing(case: Case, bars: Bars) -> None:
    """NaN in any single input the kernel reads has the same effect as a fully missing bar."""
    whole = case.run(bars.with_nan(300, 302))
    for name in case.fields:
        np.testing.assert_array_equal(case.run(bars.with_nan(300, 302, (name,))), whole)


def check_batch_equals_single(case: Case, bars: Bars) -> None:
    out = case.run(bars)
    for j in range(case.variants):
        np.testing.assert_array_equal(out[j : j + 1], case.run_variant(bars, j))


def check_no_lookahead(case: Case, seed: int, n: int, cut: float, gaps: int) -> None:
    """Replacing every bar after t (with fresh bars or NaN) leaves the outputs at bars <= t unchanged."""
    rng = np.random.default_rng(seed)
    bars = make_bars(n, seed)
    for start in rng.integers(0, n, gaps):
        bars = bars.with_nan(int(start), int(start) + 1)
    t = int(cut * (n - 1))
    other = make_bars(n, seed + 1)
    changed = Bars(*(np.concatenate((a[: t + 1], b[t + 1 :] * 1.7)) for a, b in zip(bars, other, strict=True)))
    np.testing.assert_array_equal(case.run(bars)[:, : t + 1], case.run(changed)[:, : t + 1])


def check_tiny_inputs(case: Case) -> None:
    """Empty and one-bar series give correctly shaped results; kernels that write the first bar
    unconditionally (true range, price moves, money flows) must not touch index 0 of an empty array."""
    for n in (0, 1):
        out = case.run(make_bars(n, seed=1))
        assert out.shape == (case.variants, n)
