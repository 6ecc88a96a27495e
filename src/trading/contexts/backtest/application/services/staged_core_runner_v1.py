"""Batched Stage A -> shortlist -> Stage B over precomputed signal banks.

Stage A scores every base variant (risk off) and keeps the best `preselect`; Stage B scores each
shortlisted base against the whole risk grid (`variant_index = position * risk_count + risk_index`)
and keeps the best `top_k`. Both stages call only the metric-only block scorer; each base variant's
signal row is built once per chunk and shared by all its risk variants. Progress, cancellation and
checkpoints happen at chunk boundaries, so chunk size never changes the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from trading.contexts.backtest.application.ports.staged_runner import SearchObserver
from trading.contexts.backtest.application.services.close_fill_engine import BarRange
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import (
    score_and_metric,
    score_bases_metric,
    score_block_metric,
)
from trading.contexts.backtest.application.services.frontier import Frontier, KeyFunction, RankingSpec
from trading.contexts.backtest.application.services.outcome_frontier import stage_b_frontier
from trading.contexts.backtest.application.services.result_constraints import constraint_mask
from trading.contexts.backtest.application.services.signal_rules_v1 import cross_rows
from trading.contexts.backtest.application.services.signals_from_indicators_v1 import combine_and
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, RiskParams
from trading.contexts.backtest.domain.value_objects.ranking_metrics import (
    DAILY_RATIO_METRICS,
    RANKING_METRICS,
    RankingMetricName,
)

# About half a second of scoring per chunk on one core: frequent enough for progress and cancel.
DEFAULT_CHUNK_VARIANT_BARS = 150_000_000


@dataclass(frozen=True)
class SignalBank:
    """One indicator's int8 signal rows over the target bars; row = indicator variant x signal params."""

    indicator_id: str
    rows: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.rows.shape[0])

    @property
    def n_bars(self) -> int:
        return int(self.rows.shape[1])

    def rows_for(self, row_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, index into rows per id): the bank itself, nothing copied."""
        return self.rows, row_ids.astype(np.int64)


@dataclass(frozen=True)
class CrossBank:
    """A cross rule's rows: row r compares `first[first_idx[r]]` with `second[second_idx[r]]` (the
    instances' primary outputs over the target bars, float64). Only the kept pairs have rows, and a
    row's int8 signal is made when a chunk needs it, never stored for the whole bank."""

    first: np.ndarray
    second: np.ndarray
    first_idx: np.ndarray
    second_idx: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.first_idx.shape[0])

    @property
    def n_bars(self) -> int:
        return int(self.first.shape[1])

    def rows_for(self, row_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        unique, inverse = np.unique(row_ids, return_inverse=True)
        rows = cross_rows(self.first, self.second, self.first_idx[unique], self.second_idx[unique])
        return rows, inverse.astype(np.int64).reshape(-1)


Bank = SignalBank | CrossBank


class BaseVariantSpace:
    """Base variants = the product of the banks' rows (banks in signal-unit order, last fastest)."""

    def __init__(self, banks: Sequence[Bank]) -> None:
        if not banks:
            raise ValueError("at least one signal bank is needed")
        self.banks = tuple(banks)
        self.radices = np.array([bank.n_rows for bank in banks], dtype=np.int64)
        self.size = int(np.prod(self.radices))
        self.n_bars = banks[0].n_bars

    def picks(self, base_ids: np.ndarray) -> np.ndarray:
        """Row of each bank for each base id: int64[b, k]."""
        picks = np.empty((base_ids.shape[0], len(self.banks)), dtype=np.int64)
        rest = base_ids.astype(np.int64, copy=True)
        for column in range(len(self.banks) - 1, -1, -1):
            picks[:, column] = rest % self.radices[column]
            rest //= self.radices[column]
        return picks

    def bank_rows(self, base_ids: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """(rows of each bank, index into bank i's rows per base id in column i: int64[b, k])."""
        picks = self.picks(base_ids)
        parts = [bank.rows_for(picks[:, column]) for column, bank in enumerate(self.banks)]
        return [rows for rows, _ in parts], np.stack([index for _, index in parts], axis=1)

    def signal_rows(self, base_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, index into rows per base id); one bank is used as it is, several are ANDed once."""
        if len(self.banks) == 1:
            return self.banks[0].rows_for(base_ids)
        rows, picks = self.bank_rows(base_ids)
        return combine_and(rows, picks), np.arange(base_ids.shape[0], dtype=np.int64)


@dataclass(frozen=True)
class RiskGrid:
    """sl x tp (tp fastest); NaN = that stop disabled. Only the two axes are stored: the size is
    arithmetic and the per-variant columns are built on first use, after the guards accepted them."""

    sl_axis: np.ndarray
    tp_axis: np.ndarray

    @classmethod
    def product(cls, sl_values: Sequence[float | None], tp_values: Sequence[float | None]) -> RiskGrid:
        return cls(_nan_for_none(sl_values), _nan_for_none(tp_values))

    @property
    def size(self) -> int:
        return int(self.sl_axis.shape[0]) * int(self.tp_axis.shape[0])

    @cached_property
    def sl_pct(self) -> np.ndarray:
        return np.repeat(self.sl_axis, self.tp_axis.shape[0])

    @cached_property
    def tp_pct(self) -> np.ndarray:
        return np.tile(self.tp_axis, self.sl_axis.shape[0])

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, risk_index: int) -> RiskParams:
        """The risk settings of one Stage B risk index (the one place that decodes sl outer, tp inner)."""
        if not 0 <= risk_index < self.size:
            raise IndexError(risk_index)
        sl, tp = divmod(risk_index, int(self.tp_axis.shape[0]))
        return RiskParams(_none_for_nan(self.sl_axis[sl]), _none_for_nan(self.tp_axis[tp]))


def _nan_for_none(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _none_for_nan(value: np.floating) -> float | None:
    return None if np.isnan(value) else float(value)


class SearchStopped(Exception):
    """The observer asked to stop; raised at a chunk boundary."""


StageBKeyFunction = Callable[[np.ndarray, np.ndarray], Sequence[str]]


@dataclass
class StagedCore:
    close: np.ndarray
    space: BaseVariantSpace
    risk: RiskGrid
    execution: ExecutionParams
    spec: RankingSpec
    base_key_of: KeyFunction
    variant_key_of: StageBKeyFunction
    chunk_variant_bars: int = DEFAULT_CHUNK_VARIANT_BARS
    bar_range: BarRange | None = None  # open, high, low of the target bars; only the new modes read it
    ts_ms: np.ndarray | None = None  # bar open times of the target bars; only the daily ratios read them
    # Stage A's rejections per constraint (`spec.constraints` order), set when Stage A finishes.
    stage_a_rejections: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def daily_ratios(self) -> bool:
        """Only a search that ranks or filters by a daily ratio pays for the daily resample."""
        return self.ts_ms is not None and not DAILY_RATIO_METRICS.isdisjoint(self.spec.metrics_read)

    @property
    def daily_ts_ms(self) -> np.ndarray | None:
        return self.ts_ms if self.daily_ratios else None

    @property
    def computed_metrics(self) -> tuple[RankingMetricName, ...]:
        """The metric columns this search fills; the others are NaN placeholders, never shown."""
        if self.daily_ratios:
            return RANKING_METRICS
        return tuple(name for name in RANKING_METRICS if name not in DAILY_RATIO_METRICS)

    def _chunk(self, variants_per_unit: int) -> int:
        return max(1, self.chunk_variant_bars // max(1, self.space.n_bars * variants_per_unit))

    def stage_a(self, preselect: int, observer: SearchObserver) -> np.ndarray:
        """Base ids of the shortlist, in rank order; the rejection counts land in `stage_a_rejections`."""
        frontier = self.stage_a_range(0, self.space.size, preselect, observer)
        self.stage_a_rejections = frontier.rejections.copy()
        return frontier.ids.copy()

    def _offer(
        self, frontier: Frontier, ids: np.ndarray, metrics: np.ndarray, key_of: KeyFunction, *, demote: bool
    ) -> None:
        """Counts each constraint's rejections. Stage B drops the rejected variants; Stage A (risk off,
        where stops could still change a metric) only demotes them behind every defined metric, so the
        shortlist prefers bases that pass and preselect >= the Stage A count stays exact."""
        if self.spec.constraints:
            admitted, rejected = constraint_mask(self.spec.constraints, metrics)
            frontier.rejections += rejected
            if demote:
                metrics = metrics.copy()
                metrics[~admitted] = np.nan
            else:
                ids, metrics = ids[admitted], metrics[admitted]
        frontier.offer(ids, metrics, key_of)

    def stage_a_range(self, start: int, stop: int, preselect: int, observer: SearchObserver) -> Frontier:
        """The best `preselect` of base ids [start, stop): a shard of Stage A runs exactly this code."""
        frontier = Frontier(max(1, min(preselect, stop - start)), self.spec)
        step = self._chunk(1)
        for chunk_start in range(start, stop, step):
            _check_stop(observer)
            base_ids = np.arange(chunk_start, min(chunk_start + step, stop), dtype=np.int64)
            metrics = self._stage_a_metrics(base_ids)
            self._offer(frontier, base_ids, metrics, self.base_key_of, demote=True)
            observer.on_progress("stage_a", int(base_ids[-1]) + 1, self.space.size)
        return frontier

    def _stage_a_metrics(self, base_ids: np.ndarray) -> np.ndarray:
        """Risk-off metrics of these bases. Several banks are ANDed base by base inside the scoring kernel
        (`score_and_metric`), never written out as a chunk of combined rows."""
        if len(self.space.banks) > 1:
            rows, picks = self.space.bank_rows(base_ids)
            return score_and_metric(self.close, rows, picks, self.execution, self.bar_range, self.daily_ts_ms)
        rows, row_idx = self.space.signal_rows(base_ids)
        nan = np.full(base_ids.shape[0], np.nan)
        return score_block_metric(self.close, rows, row_idx, nan, nan, self.execution, self.bar_range, self.daily_ts_ms)

    def stage_b(
        self,
        shortlist: np.ndarray,
        top_k: int,
        observer: SearchObserver,
        start_index: int = 0,
        frontier: Frontier | None = None,
    ) -> Frontier:
        """Ranks shortlist x risk grid; resumable from a chunk boundary (`start_index`, `frontier`)."""
        n_risk = self.risk.size
        if start_index % n_risk:
            raise ValueError("stage_b start_index must be a multiple of the risk grid size")
        n_positions = int(shortlist.shape[0])
        frontier = frontier or stage_b_frontier(max(1, min(top_k, n_positions * n_risk)), self.spec)
        return self.stage_b_range(shortlist, start_index // n_risk, n_positions, top_k, observer, frontier)

    def stage_b_range(
        self,
        shortlist: np.ndarray,
        position_start: int,
        position_stop: int,
        top_k: int,
        observer: SearchObserver,
        frontier: Frontier | None = None,
    ) -> Frontier:
        """The best `top_k` of shortlist positions [position_start, position_stop) x the whole risk grid;
        variant indices stay global, so a shard of Stage B runs exactly this code."""
        n_risk = self.risk.size
        total = int(shortlist.shape[0]) * n_risk
        capacity = max(1, min(top_k, (position_stop - position_start) * n_risk))
        frontier = frontier or stage_b_frontier(capacity, self.spec)
        step = self._chunk(n_risk)

        def keys_of(variant_indices: np.ndarray) -> Sequence[str]:
            return self.variant_key_of(shortlist[variant_indices // n_risk], variant_indices % n_risk)

        for position in range(position_start, position_stop, step):
            _check_stop(observer)
            positions = np.arange(position, min(position + step, position_stop), dtype=np.int64)
            rows, row_idx = self.space.signal_rows(shortlist[positions])
            metrics = score_bases_metric(
                self.close, rows, row_idx, self.risk.sl_pct, self.risk.tp_pct, self.execution, self.bar_range,
                self.daily_ts_ms,
            )
            variant_indices = (positions[:, None] * n_risk + np.arange(n_risk)[None, :]).ravel()
            self._offer(frontier, variant_indices, metrics, keys_of, demote=False)
            next_index = (int(positions[-1]) + 1) * n_risk
            observer.on_progress("stage_b", next_index, total)
            observer.on_stage_b_chunk(frontier, next_index)
        return frontier


def _check_stop(observer: SearchObserver) -> None:
    if observer.should_stop():
        raise SearchStopped
