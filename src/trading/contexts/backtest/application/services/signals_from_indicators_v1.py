"""Indicator tensors -> int8 signal rows (engine.md section 3), and the AND of several indicators.

Rows of one indicator are ordered indicator variant major, signal combination minor, so row
`j * s + k` is variant j with `signal_params[k]`. A threshold pair with long == short is ambiguous
(both sides fire at that value), so such combinations are skipped and counted, never scored.

Rules beyond the four core families (all strict, NaN at t -> NEUTRAL):
- `threshold_centered` (vortex VI+, signal param `abs_threshold`): LONG if primary > 1 + abs_threshold,
  SHORT if primary < 1 - abs_threshold.
- `compare_volume_to_output` (volume_sma, no signal params): a bar whose volume is above the average
  confirms its candle: LONG if volume > primary and close > open, SHORT if volume > primary and
  close < open; NEUTRAL on ordinary volume or a doji (close == open). Needs the bars.
- `pivot_event` (pivots, signal param `hold`): the primary is +1 on the bar a pivot low is confirmed,
  -1 on the bar a pivot high is confirmed; the latest event's side (pivot low -> LONG, pivot high ->
  SHORT) is held for `hold` bars counting the event bar, a NaN bar ends it.
- `candle_direction` (candle body / range, signal param `min_body`): LONG if primary > min_body, SHORT if
  primary < -min_body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
from numba.typed.typedlist import List

from trading.contexts.backtest.application.services.signal_rules_v1 import (
    candle_direction_rows,
    combine_and_rows,
    compare_price_rows,
    compare_volume_rows,
    delta_sign_rows,
    pivot_event_rows,
    price_side_of_average_rows,
    sign_rows,
    threshold_band_rows,
    threshold_centered_rows,
)
from trading.contexts.indicators.application.services.compute_service import IndicatorTensor, variant_sources
from trading.contexts.indicators.domain.cartesian import product_dicts
from trading.contexts.indicators.domain.definition import SignalRuleName
from trading.contexts.indicators.domain.grid import IndicatorGrid, IndicatorVariant
from trading.contexts.indicators.domain.grid_axis import GridAxis
from trading.contexts.indicators.domain.param_spec import ParamValue
from trading.contexts.indicators.domain.price_sources import OhlcvArrays

BAR_RULES: frozenset[SignalRuleName] = frozenset({"compare_volume_to_output"})


@dataclass(frozen=True)
class IndicatorSignals:
    rows: np.ndarray
    signal_params: list[dict[str, ParamValue]]
    skipped_signal_combinations: int

    @property
    def n_signal_variants(self) -> int:
        return len(self.signal_params)


def signals_from_indicator(
    rule: SignalRuleName,
    primary: np.ndarray,
    price_rows: np.ndarray,
    price_idx: np.ndarray,
    signal_axes: Sequence[GridAxis],
    bars: OhlcvArrays | None = None,
) -> IndicatorSignals:
    """`primary` float64[v, n] -> int8[v * s, n] where s = valid signal combinations. `bars` (the
    series the tensor was computed on) is required by the rules in BAR_RULES only."""
    if rule in BAR_RULES and bars is None:
        raise ValueError(f"signal rule {rule!r} needs the bars the indicator was computed on")
    combos = product_dicts(signal_axes)
    valid = [c for c in combos if _is_valid(rule, c)]
    rows = _rule_rows(rule, np.ascontiguousarray(primary, dtype=np.float64), price_rows, price_idx, valid, bars)
    return IndicatorSignals(rows, valid, len(combos) - len(valid))


def signals_for_tensor(tensor: IndicatorTensor, bars: OhlcvArrays | None = None) -> IndicatorSignals:
    return signals_from_indicator(
        tensor.grid.definition.signal_rule,
        tensor.primary,
        tensor.price_rows,
        tensor.price_idx,
        tensor.grid.signal_axes,
        bars,
    )


def signals_need_no_tensor(grid: IndicatorGrid) -> bool:
    """Price against a moving average: its rows are computed a variant at a time (signals_without_tensor)."""
    definition = grid.definition
    return definition.signal_rule == "compare_price_to_output" and definition.moving_average_kind is not None


def signals_without_tensor(
    grid: IndicatorGrid, bars: OhlcvArrays, start: int
) -> tuple[IndicatorSignals, list[IndicatorVariant]]:
    """The rows signals_for_tensor gives over bars start.. (and the variants), for a grid where
    signals_need_no_tensor: one float64 row per thread instead of the [v, n] tensor, no full-length rows."""
    kind = grid.definition.moving_average_kind
    assert signals_need_no_tensor(grid) and kind is not None
    variants = grid.variants()
    src_rows, src_idx = variant_sources(bars, variants)
    window = np.ascontiguousarray(grid.columns()["window"], dtype=np.int64)
    combos = product_dicts(grid.signal_axes)
    rows = np.empty((len(variants), bars.n_bars - start), dtype=np.int8)  # numpy's: huge pages where the OS has them
    price_side_of_average_rows(kind, src_rows, src_idx, window, numba.get_num_threads(), rows)
    return IndicatorSignals(_repeat_per_combo(rows, len(combos)), combos, 0), variants


def combine_and(rows_per_indicator: Sequence[np.ndarray], picks: np.ndarray) -> np.ndarray:
    """int8[b, n]: LONG only where every picked row is LONG, SHORT only where every one is SHORT.
    `picks[b, i]` is the row of indicator i used by base variant b."""
    if len(rows_per_indicator) != picks.shape[1]:
        raise ValueError(f"picks has {picks.shape[1]} columns for {len(rows_per_indicator)} indicators")
    typed = List()
    for rows in rows_per_indicator:
        typed.append(np.ascontiguousarray(rows, dtype=np.int8))
    return combine_and_rows(typed, np.ascontiguousarray(picks, dtype=np.int64))


def _is_valid(rule: SignalRuleName, combo: dict[str, ParamValue]) -> bool:
    return rule != "threshold_band" or combo["long_threshold"] != combo["short_threshold"]


def _rule_rows(
    rule: SignalRuleName,
    primary: np.ndarray,
    price_rows: np.ndarray,
    price_idx: np.ndarray,
    combos: list[dict[str, ParamValue]],
    bars: OhlcvArrays | None,
) -> np.ndarray:
    if rule == "compare_price_to_output":
        return _repeat_per_combo(compare_price_rows(primary, price_rows, price_idx), len(combos))
    if rule == "sign":
        return _repeat_per_combo(sign_rows(primary), len(combos))
    if rule == "threshold_band":
        return threshold_band_rows(primary, _column(combos, "long_threshold"), _column(combos, "short_threshold"))
    if rule == "delta_sign":
        return delta_sign_rows(primary, _int_column(combos, "n_long"), _int_column(combos, "n_short"))
    if rule == "threshold_centered":
        return threshold_centered_rows(primary, _column(combos, "abs_threshold"))
    if rule == "pivot_event":
        return pivot_event_rows(primary, _int_column(combos, "hold"))
    if rule == "candle_direction":
        return candle_direction_rows(primary, _column(combos, "min_body"))
    if rule == "compare_volume_to_output" and bars is not None:
        rows = compare_volume_rows(primary, bars.volume, bars.open, bars.close)
        return _repeat_per_combo(rows, len(combos))
    raise ValueError(f"unknown signal rule {rule!r}")


def _repeat_per_combo(rows: np.ndarray, n_combos: int) -> np.ndarray:
    """Rules without signal params have exactly one combination ({}); keep the [v * s, n] shape."""
    return rows if n_combos == 1 else np.repeat(rows, n_combos, axis=0)


def _column(combos: list[dict[str, ParamValue]], name: str) -> np.ndarray:
    return np.array([float(c[name]) for c in combos], dtype=np.float64)


def _int_column(combos: list[dict[str, ParamValue]], name: str) -> np.ndarray:
    return np.array([int(c[name]) for c in combos], dtype=np.int64)
