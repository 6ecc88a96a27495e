"""The one rule for 'return over drawdown' ratios (ranking RoMDD and the report's Calmar ratio).
Plain Python on floats, so numba kernels can compile it as is."""

from __future__ import annotations

import math


def return_over_drawdown(return_value: float, drawdown: float) -> float:
    """Zero drawdown: +inf for a gain, 0 for a flat result, NaN for a loss."""
    if drawdown > 0.0:
        return return_value / drawdown
    if return_value > 0.0:
        return math.inf
    if return_value == 0.0:
        return 0.0
    return math.nan
