"""Chart budgets: runs of bars per candle, a line's value at each run's close, decimals read from prices."""

from __future__ import annotations

import numpy as np
import pytest

from trading.contexts.market_data.domain.chart_buckets import bars_per_bucket, bucket_starts, last_in_bucket
from trading.contexts.market_data.domain.price_precision import price_decimals


@pytest.mark.parametrize(
    ("n", "budget", "per"), [(10, 20, 1), (2_000, 2_000, 1), (2_001, 2_000, 2), (525_600, 2_000, 263)]
)
def test_runs_are_the_shortest_that_fit_the_budget(n: int, budget: int, per: int) -> None:
    assert bars_per_bucket(n, budget) == per
    assert bucket_starts(n, budget).shape[0] <= budget


def test_a_line_takes_the_value_at_each_runs_last_bar() -> None:
    values = np.arange(10.0)
    assert last_in_bucket(values, 4).tolist() == [2.0, 5.0, 8.0, 9.0]
    assert last_in_bucket(values, 10).tolist() == values.tolist()


@pytest.mark.parametrize(
    ("prices", "decimals"),
    [
        ([1.07345, 1.07351, 1.0729], 5),  # EURUSD ticks: "1.07 -> 1.07" would hide the move
        ([42_000.5, 42_001.25], 2),
        ([42_000.123456789, 41_999.987654321], 2),  # float noise is capped near 6 significant digits
        ([0.000123456, 0.000123457], 8),
        ([3.0, 4.0], 2),
    ],
)
def test_price_decimals_come_from_the_prices(prices: list[float], decimals: int) -> None:
    assert price_decimals(np.array(prices)) == decimals
