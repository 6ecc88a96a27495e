"""Plain numpy / Python references for the catalogue-A indicators TA-Lib does not have, written
from their definitions without touching the kernels' helpers. They run on NaN-free bars."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def leading_nan(values: np.ndarray, count: int) -> np.ndarray:
    return np.concatenate((np.full(count, np.nan), values))


def plain_ema(x: np.ndarray, window: int) -> np.ndarray:
    """EMA seeded with the SMA of the first `window` non-NaN values (leading NaNs only)."""
    out = np.full(x.shape[0], np.nan)
    start = int(np.argmax(~np.isnan(x))) if (~np.isnan(x)).any() else x.shape[0]
    if x.shape[0] - start < window:
        return out
    alpha = 2.0 / (window + 1.0)
    prev = math.fsum(x[start : start + window]) / window
    out[start + window - 1] = prev
    for i in range(start + window, x.shape[0]):
        prev = prev + alpha * (x[i] - prev)
        out[i] = prev
    return out


def zlema(x: np.ndarray, window: int) -> np.ndarray:
    lag = (window - 1) // 2
    delagged = 2.0 * x[lag:] - x[: x.shape[0] - lag]
    return plain_ema(leading_nan(delagged, lag), window)


def vwma(x: np.ndarray, volume: np.ndarray, window: int) -> np.ndarray:
    if x.shape[0] < window:
        return np.full(x.shape[0], np.nan)
    weighted = sliding_window_view(x * volume, window).sum(axis=1)
    volumes = sliding_window_view(volume, window).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(volumes > 0.0, weighted / volumes, np.nan)
    return leading_nan(ratio, window - 1)


def hv(x: np.ndarray, window: int) -> np.ndarray:
    returns = np.log(x[1:] / x[:-1])
    if returns.shape[0] < window:
        return np.full(x.shape[0], np.nan)
    return leading_nan(sliding_window_view(returns, window).std(axis=1) * 100.0, window)


def fisher(high: np.ndarray, low: np.ndarray, window: int) -> np.ndarray:
    """Ehlers: v = .66 * ((mid - min) / (max - min) - .5) + .67 * v[-1], clamped to .999 beyond .99;
    fish = .5 * ln((1 + v) / (1 - v)) + .5 * fish[-1]; a flat window sits at the middle."""
    mid = (high + low) / 2.0
    if mid.shape[0] < window:
        return np.full(mid.shape[0], np.nan)
    tops = leading_nan(sliding_window_view(mid, window).max(axis=1), window - 1).tolist()
    bottoms = leading_nan(sliding_window_view(mid, window).min(axis=1), window - 1).tolist()
    out = [math.nan] * mid.shape[0]
    value = fish = 0.0
    for t, price in enumerate(mid.tolist()):
        top, bottom = tops[t], bottoms[t]
        if math.isnan(top):
            continue
        flat = top - bottom <= 1e-14 * (abs(top) + abs(bottom))
        position = 0.5 if flat else (price - bottom) / (top - bottom)
        value = 0.66 * (position - 0.5) + 0.67 * value
        value = math.copysign(0.999, value) if abs(value) > 0.99 else value
        fish = 0.5 * math.log((1.0 + value) / (1.0 - value)) + 0.5 * fish
        out[t] = fish
    return np.array(out)
