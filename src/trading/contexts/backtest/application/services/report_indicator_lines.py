"""The variant's indicator outputs as chart lines: on the price axis when they live in price units
(moving averages, bands), in their own pane otherwise (oscillators, volume)."""

from __future__ import annotations

import numpy as np

from trading.contexts.backtest.application.dto.run_backtest import IndicatorLine
from trading.contexts.indicators.application.services.compute_service import compute_indicator
from trading.contexts.indicators.domain.grid import IndicatorGrid
from trading.contexts.indicators.domain.price_sources import OhlcvArrays
from trading.contexts.market_data.domain.chart_buckets import bucket_starts, last_in_bucket
from trading.contexts.market_data.domain.timeline import TIMEFRAMES, Timeline


def indicator_lines(timeline: Timeline, grids: list[IndicatorGrid], max_points: int) -> list[IndicatorLine]:
    """One line per single-variant grid, cut to the same buckets as the chart's candles."""
    start = timeline.target_start
    n_target = timeline.n_target
    starts = bucket_starts(n_target, max_points)
    bucket_close = timeline.ts_ms[start:][np.r_[starts[1:], n_target] - 1] + TIMEFRAMES[timeline.timeframe]
    price_low = float(np.min(timeline.low[start:]))
    price_high = float(np.max(timeline.high[start:]))
    bars = OhlcvArrays.from_timeline(timeline)
    lines = []
    for grid in grids:
        (variant,) = grid.variants()
        values = compute_indicator(bars, grid).primary[0, start:]
        lines.append(
            IndicatorLine(
                indicator_id=grid.indicator_id,
                label=_label(grid.indicator_id, {**variant.inputs, **variant.params}),
                output=grid.definition.primary_output,
                placement="price" if _in_price_units(values, price_low, price_high) else "pane",
                ts_ms=[int(ts) for ts in bucket_close],
                values=[float(v) if np.isfinite(v) else None for v in last_in_bucket(values, max_points)],
            )
        )
    return lines


def _in_price_units(values: np.ndarray, low: float, high: float) -> bool:
    """The median value inside the bars' price range: drawn over the candles."""
    finite = values[np.isfinite(values)]
    if finite.shape[0] == 0:
        return False
    median = float(np.median(finite))
    margin = 0.1 * (high - low)
    return low - margin <= median <= high + margin


def _label(indicator_id: str, params: dict[str, object]) -> str:
    name = indicator_id.rsplit(".", 1)[-1]
    return f"{name}({', '.join(str(v) for v in params.values())})"
