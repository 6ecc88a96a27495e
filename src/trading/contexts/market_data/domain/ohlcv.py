"""Column arrays of bars: the shape candles travel in between the store, import, synth and rollup."""

from __future__ import annotations

from typing import TypedDict

import numpy as np

MINUTE_MS = 60_000
PRICE_COLUMNS = ("open", "high", "low", "close")
COLUMNS = ("ts", *PRICE_COLUMNS, "volume")


class Ohlcv(TypedDict):
    """`ts` is int64 bar open time (UTC ms); the other columns are float64; all the same length."""

    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray


def make_ohlcv(
    ts: np.ndarray, open: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray
) -> Ohlcv:
    """Coerce to the canonical dtypes and require equal lengths."""
    bars = Ohlcv(
        ts=np.ascontiguousarray(ts, dtype=np.int64),
        open=np.ascontiguousarray(open, dtype=np.float64),
        high=np.ascontiguousarray(high, dtype=np.float64),
        low=np.ascontiguousarray(low, dtype=np.float64),
        close=np.ascontiguousarray(close, dtype=np.float64),
        volume=np.ascontiguousarray(volume, dtype=np.float64),
    )
    lengths = {name: bars[name].shape for name in COLUMNS}
    if len(set(lengths.values())) != 1 or bars["ts"].ndim != 1:
        raise ValueError(f"OHLCV columns must be 1-D and equally long, got shapes {lengths}")
    return bars


def empty_ohlcv() -> Ohlcv:
    return make_ohlcv(*(np.empty(0) for _ in COLUMNS))


def take(bars: Ohlcv, index: np.ndarray | slice) -> Ohlcv:
    """Rows selected by a slice, mask or index array."""
    return make_ohlcv(*(bars[name][index] for name in COLUMNS))


def concat(parts: list[Ohlcv]) -> Ohlcv:
    """Always new arrays, even for a single part (so callers own what they get)."""
    if not parts:
        return empty_ohlcv()
    return make_ohlcv(*(np.concatenate([p[name] for p in parts]) for name in COLUMNS))
