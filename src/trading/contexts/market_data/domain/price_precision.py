"""How many decimals to print prices with, read from the prices themselves (EURUSD needs 5, BTC 2)."""

from __future__ import annotations

import numpy as np

MAX_DECIMALS = 8
SIGNIFICANT_DIGITS = 6
SAMPLE = 2_000


def price_decimals(prices: np.ndarray) -> int:
    """The decimals the stored prices actually use, capped at about six significant digits.

    A tick-sized series (1.07345) keeps its 5 decimals; a float-noisy synthetic series is capped by
    its magnitude (30,000.123456 -> 2), so "1.07 -> 1.07" never hides a real move.
    """
    finite = prices[np.isfinite(prices)][-SAMPLE:]
    if finite.shape[0] == 0:
        return 2
    magnitude = float(np.max(np.abs(finite)))
    digits_before_point = int(np.floor(np.log10(magnitude))) + 1 if magnitude > 0 else 1
    cap = int(np.clip(SIGNIFICANT_DIGITS - digits_before_point, 2, MAX_DECIMALS))
    for decimals in range(cap + 1):
        scaled = finite * 10.0**decimals
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))):
            return max(decimals, 2)
    return cap
