"""Deterministic synthetic 1m candles (geometric Brownian motion) for demos, tests and benchmarks."""

from __future__ import annotations

import numpy as np

from trading.contexts.market_data.domain.ohlcv import MINUTE_MS, Ohlcv, make_ohlcv, take

MINUTES_PER_YEAR = 365 * 24 * 60


def synthesize_1m(
    start_ms: int,
    n_bars: int,
    seed: int,
    start_price: float = 100.0,
    annual_vol: float = 0.6,
    annual_drift: float = 0.0,
    base_volume: float = 10.0,
    gap_fraction: float = 0.0,
) -> Ohlcv:
    """`n_bars` consecutive minutes from `start_ms`, bit-identical for the same arguments.

    Each close follows GBM; open = previous close; high/low extend beyond the body by a half-normal
    intrabar excursion, so high >= max(open, close) and low <= min(open, close); volume is lognormal.
    `gap_fraction` drops that share of minutes, drawn from a separate seeded stream so the surviving
    bars are exactly the bars of the gap-free series.
    """
    if start_ms % MINUTE_MS:
        raise ValueError(f"start_ms {start_ms} is not on a whole UTC minute")
    if n_bars < 0 or start_price <= 0 or annual_vol < 0 or base_volume <= 0:
        raise ValueError("n_bars must be >= 0, start_price and base_volume > 0, annual_vol >= 0")
    if not 0.0 <= gap_fraction < 1.0:
        raise ValueError(f"gap_fraction must be in [0, 1), got {gap_fraction}")

    rng = np.random.default_rng(seed)
    step_vol = annual_vol / np.sqrt(MINUTES_PER_YEAR)
    step_drift = (annual_drift - 0.5 * annual_vol**2) / MINUTES_PER_YEAR
    log_close = np.log(start_price) + np.cumsum(step_drift + step_vol * rng.standard_normal(n_bars))
    close = np.exp(log_close)
    open_ = np.empty(n_bars)
    open_[:1] = start_price
    open_[1:] = close[:-1]
    high = np.maximum(open_, close) * np.exp(step_vol * np.abs(rng.standard_normal(n_bars)))
    low = np.minimum(open_, close) * np.exp(-step_vol * np.abs(rng.standard_normal(n_bars)))
    volume = base_volume * np.exp(0.5 * rng.standard_normal(n_bars))
    ts = start_ms + np.arange(n_bars, dtype=np.int64) * MINUTE_MS
    bars = make_ohlcv(ts, open_, high, low, close, volume)
    if gap_fraction == 0.0:
        return bars
    n_dropped = round(gap_fraction * n_bars)
    dropped = np.random.default_rng([seed, 1]).choice(n_bars, size=n_dropped, replace=False)
    keep = np.ones(n_bars, dtype=bool)
    keep[dropped] = False
    return take(bars, keep)
