"""JSON shapes of a top row's metrics: JSON has no inf/NaN, yet profit_factor can be +inf, so non-finite
metric values are stored as tokens and come back as the same floats."""

from __future__ import annotations

import math

_TOKENS: dict[str, float] = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def encode_metrics(metrics: dict[str, float]) -> dict[str, float | str]:
    return {name: value if math.isfinite(value) else _token(value) for name, value in metrics.items()}


def decode_metrics(stored: dict[str, float | str]) -> dict[str, float]:
    return {name: _TOKENS[value] if isinstance(value, str) else float(value) for name, value in stored.items()}


def _token(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"
