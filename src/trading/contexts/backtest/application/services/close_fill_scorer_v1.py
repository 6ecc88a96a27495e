"""Close-fill scorer: the metric-only path used by ranking (batched, parallel over variants) and the
details path used by the variant report. Both run the same `simulate_close_fill`."""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt
from numba import njit, prange
from numba.typed.typedlist import List

from trading.contexts.backtest.application.services.close_fill_engine import (
    BarRange,
    IntrabarArrays,
    execution_scalars,
    intrabar_arrays,
    simulate_close_fill,
    simulate_close_fill_recorded,
    trade_log_from_buffer,
)
from trading.contexts.backtest.application.services.close_fill_lanes import score_bases_lanes
from trading.contexts.backtest.application.services.close_fill_metrics import day_close_index
from trading.contexts.backtest.application.services.signal_rules_v1 import and_into
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.value_objects.execution import (
    RANKING_METRICS,
    ExecutionParams,
    RankingMetrics,
    RiskParams,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def _score_block_kernel(
    close: FloatArray,
    signals: npt.NDArray[np.int8],
    sig_idx: npt.NDArray[np.int64],
    sl_pct: FloatArray,
    tp_pct: FloatArray,
    direction_mode: int,
    sizing_mode: int,
    init_cash: float,
    fixed_quote: float,
    safe_profit_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
    next_open: FloatArray | None,
    intrabar: IntrabarArrays | None,
    day_closes: IntArray | None,
    next_day_close: IntArray | None,
    days_per_year: float,
    out: FloatArray,
) -> None:
    for v in prange(sig_idx.shape[0]):
        simulate_close_fill(
            close, signals[sig_idx[v]], sl_pct[v], tp_pct[v], direction_mode, sizing_mode, init_cash,
            fixed_quote, safe_profit_fraction, fee_fraction, slippage_fraction, None, None, next_open, intrabar,
            day_closes, next_day_close, days_per_year, out[v],
        )


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def _score_and_kernel(
    close: FloatArray,
    banks: Sequence[npt.NDArray[np.int8]],
    picks: npt.NDArray[np.int64],
    direction_mode: int,
    sizing_mode: int,
    init_cash: float,
    fixed_quote: float,
    safe_profit_fraction: float,
    fee_fraction: float,
    slippage_fraction: float,
    next_open: FloatArray | None,
    intrabar: IntrabarArrays | None,
    day_closes: IntArray | None,
    next_day_close: IntArray | None,
    days_per_year: float,
    scratch: npt.NDArray[np.int8],
    out: FloatArray,
) -> None:
    """`scratch` holds one row per numba thread: each thread ANDs and scores its bases in its own row."""
    for b in prange(picks.shape[0]):
        row = scratch[numba.get_thread_id()]  # pyright: ignore[reportPrivateImportUsage]
        and_into(row, banks, picks[b])
        simulate_close_fill(
            close,
            row,
            np.nan,
            np.nan,
            direction_mode,
            sizing_mode,
            init_cash,
            fixed_quote,
            safe_profit_fraction,
            fee_fraction,
            slippage_fraction,
            None,
            None,
            next_open,
            intrabar,
            day_closes,
            next_day_close,
            days_per_year,
            out[b],
        )


def mode_arrays(
    close: FloatArray, bar_range: BarRange | None, execution: ExecutionParams
) -> tuple[FloatArray | None, IntrabarArrays | None]:
    """The engine's `next_open` and `intrabar` arguments for the execution modes: None selects close
    fills / close-checked stops. `bar_range` = (open, high, low) aligned with `close`."""
    if not execution.needs_bar_range:
        return None, None
    if bar_range is None:
        raise ValueError(f"stop_mode={execution.stop_mode} / fill={execution.fill} need open, high and low")
    open_, high, low = (np.ascontiguousarray(prices, dtype=np.float64) for prices in bar_range)
    if not (open_.shape == high.shape == low.shape == close.shape):
        raise ValueError("open, high and low must have one value per close")
    next_open = open_ if execution.fill == "next_open" else None
    intrabar = intrabar_arrays(open_, high, low) if execution.stop_mode == "intrabar" else None
    return next_open, intrabar


def _checked_inputs(
    close: FloatArray,
    signals: npt.NDArray[np.int8],
    row_idx: npt.NDArray[np.int64],
    sl_pct: FloatArray,
    tp_pct: FloatArray,
    n_stops: int,
    ts_ms: IntArray | None,
) -> tuple[FloatArray, npt.NDArray[np.int8], npt.NDArray[np.int64], FloatArray, FloatArray]:
    """The kernels' inputs as contiguous arrays of their dtypes, after the shape checks the kernels skip:
    `n_stops` values of `sl_pct` / `tp_pct`, row indices inside `signals`, one signal and timestamp per
    close."""
    close = np.ascontiguousarray(close, dtype=np.float64)
    signals = np.ascontiguousarray(signals, dtype=np.int8)
    row_idx = np.ascontiguousarray(row_idx, dtype=np.int64)
    sl_pct = np.ascontiguousarray(sl_pct, dtype=np.float64)
    tp_pct = np.ascontiguousarray(tp_pct, dtype=np.float64)
    if close.ndim != 1 or close.shape[0] == 0:
        raise ValueError("close must be a non-empty 1-D array")
    if signals.ndim != 2 or signals.shape[1] != close.shape[0]:
        raise ValueError(f"signals must be [rows, {close.shape[0]}], got {signals.shape}")
    if sl_pct.shape != (n_stops,) or tp_pct.shape != (n_stops,):
        raise ValueError(f"sl_pct and tp_pct must have {n_stops} values")
    if row_idx.shape[0] and (row_idx.min() < 0 or row_idx.max() >= signals.shape[0]):
        raise ValueError("signal row indices point outside the signal rows")
    if ts_ms is not None and np.shape(ts_ms) != close.shape:
        raise ValueError("ts_ms must have one timestamp per close")
    return close, signals, row_idx, sl_pct, tp_pct


def score_block_metric(
    close: FloatArray,
    signals: npt.NDArray[np.int8],
    sig_idx: npt.NDArray[np.int64],
    sl_pct: FloatArray,
    tp_pct: FloatArray,
    execution: ExecutionParams,
    bar_range: BarRange | None = None,
    ts_ms: IntArray | None = None,
) -> FloatArray:
    """Variant v trades `signals[sig_idx[v]]` with stops `sl_pct[v]` / `tp_pct[v]` (NaN = disabled).
    Returns float64[v, len(RANKING_METRICS)] in RANKING_METRICS column order. `bar_range` (open, high,
    low) is needed by intrabar stops and next-open fills only. `ts_ms` (bar open times) places the UTC
    day closes of the daily ratios; without it the kernel runs specialised without the daily resample
    and Sharpe, Sortino and Calmar are NaN (for searches that neither rank nor filter by them)."""
    close, signals, sig_idx, sl_pct, tp_pct = _checked_inputs(
        close, signals, sig_idx, sl_pct, tp_pct, int(np.shape(sig_idx)[0]), ts_ms
    )
    n_variants = sig_idx.shape[0]
    arguments = _mode_arguments(close, execution, bar_range, ts_ms)
    out = np.empty((n_variants, len(RANKING_METRICS)), dtype=np.float64)
    if n_variants:
        _score_block_kernel(close, signals, sig_idx, sl_pct, tp_pct, *arguments, out)
    return out


def score_and_metric(
    close: FloatArray,
    rows_per_bank: Sequence[npt.NDArray[np.int8]],
    picks: npt.NDArray[np.int64],
    execution: ExecutionParams,
    bar_range: BarRange | None = None,
    ts_ms: IntArray | None = None,
) -> FloatArray:
    """Stage A over several banks: base b trades the AND of `rows_per_bank[i][picks[b, i]]` with stops
    off, bit for bit the row `score_block_metric` gives for that ANDed row. Each base's AND is built in
    its thread's scratch row and scored at once, so no chunk of ANDed rows is ever written to memory."""
    close = np.ascontiguousarray(close, dtype=np.float64)
    picks = np.ascontiguousarray(picks, dtype=np.int64)
    if len(rows_per_bank) < 2 or picks.ndim != 2 or picks.shape[1] != len(rows_per_bank):
        raise ValueError(f"picks must be [bases, {len(rows_per_bank)}] for two banks or more")
    banks = List()
    no_stops = np.empty(0, dtype=np.float64)
    for column, bank_rows in enumerate(rows_per_bank):
        banks.append(_checked_inputs(close, bank_rows, picks[:, column], no_stops, no_stops, 0, ts_ms)[1])
    arguments = _mode_arguments(close, execution, bar_range, ts_ms)
    out = np.empty((picks.shape[0], len(RANKING_METRICS)), dtype=np.float64)
    if out.shape[0]:
        scratch = np.empty((numba.get_num_threads(), close.shape[0]), dtype=np.int8)
        _score_and_kernel(close, banks, picks, *arguments, scratch, out)
    return out


def score_bases_metric(
    close: FloatArray,
    signals: npt.NDArray[np.int8],
    row_idx: npt.NDArray[np.int64],
    sl_pct: FloatArray,
    tp_pct: FloatArray,
    execution: ExecutionParams,
    bar_range: BarRange | None = None,
    ts_ms: IntArray | None = None,
) -> FloatArray:
    """Base b (`signals[row_idx[b]]`) against the whole risk grid (`sl_pct`, `tp_pct`): the rows of
    `score_block_metric` for variants b * risk + r, bit for bit, in every execution mode: each base is
    walked once for all its risk variants (`close_fill_lanes`)."""
    n_risk = int(np.shape(sl_pct)[0])
    close, signals, row_idx, sl_pct, tp_pct = _checked_inputs(close, signals, row_idx, sl_pct, tp_pct, n_risk, ts_ms)
    arguments = _mode_arguments(close, execution, bar_range, ts_ms)
    out = np.empty((row_idx.shape[0] * n_risk, len(RANKING_METRICS)), dtype=np.float64)
    if out.shape[0]:
        score_bases_lanes(close, signals, row_idx, sl_pct, tp_pct, *arguments, out)
    return out


# What the batched kernels take between the stops and `out`.
ModeArguments = tuple[
    int, int, float, float, float, float, float, FloatArray | None, IntrabarArrays | None, IntArray | None,
    IntArray | None, float,
]


def _mode_arguments(
    close: FloatArray, execution: ExecutionParams, bar_range: BarRange | None, ts_ms: IntArray | None
) -> ModeArguments:
    """The kernels' arguments between the stops and `out`: execution scalars, the mode arrays, the day
    closes (none without `ts_ms`) and the year length, in the order both batched kernels take them."""
    next_open, intrabar = mode_arrays(close, bar_range, execution)
    day_closes, next_day_close = (None, None) if ts_ms is None else day_close_index(ts_ms)
    scalars = execution_scalars(execution)
    return (*scalars, next_open, intrabar, day_closes, next_day_close, float(execution.annualization_days))


def score_variant_metric(
    close: FloatArray,
    signal_row: npt.NDArray[np.int8],
    risk: RiskParams,
    execution: ExecutionParams,
    bar_range: BarRange | None = None,
    ts_ms: IntArray | None = None,
) -> RankingMetrics:
    """One variant through the batched kernel, so a single score can never differ from a block score."""
    sl_pct, tp_pct = risk.as_floats()
    row = score_block_metric(
        close,
        np.asarray(signal_row, dtype=np.int8).reshape(1, -1),
        np.zeros(1, dtype=np.int64),
        np.array([sl_pct]),
        np.array([tp_pct]),
        execution,
        bar_range,
        ts_ms,
    )[0]
    return RankingMetrics(*(float(value) for value in row))


def score_variant_with_details(
    ts_ms: npt.NDArray[np.int64],
    close: FloatArray,
    signal_row: npt.NDArray[np.int8],
    risk: RiskParams,
    execution: ExecutionParams,
    bar_range: BarRange | None = None,
) -> VariantScoreDetails:
    """Trades, equity at every bar close and the ranking metrics of one variant."""
    close = np.ascontiguousarray(close, dtype=np.float64)
    signal_row = np.ascontiguousarray(signal_row, dtype=np.int8)
    ts_ms = np.ascontiguousarray(ts_ms, dtype=np.int64)
    if not (close.shape == signal_row.shape == ts_ms.shape) or close.ndim != 1 or close.shape[0] == 0:
        raise ValueError("ts_ms, close and signal_row must be non-empty 1-D arrays of one length")
    sl_pct, tp_pct = risk.as_floats()
    next_open, intrabar = mode_arrays(close, bar_range, execution)
    metrics = np.empty(len(RANKING_METRICS), dtype=np.float64)
    trades, equity = simulate_close_fill_recorded(
        close, signal_row, sl_pct, tp_pct, *execution_scalars(execution), next_open, intrabar,
        *day_close_index(ts_ms), float(execution.annualization_days), metrics,
    )
    return VariantScoreDetails(
        ts_ms=ts_ms,
        close=close,
        equity=equity,
        trades=trade_log_from_buffer(trades),
        metrics=RankingMetrics(*(float(value) for value in metrics)),
        execution=execution,
    )
