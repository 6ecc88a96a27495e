"""Runs one shard of a search in whatever process the executor put it: exactly the staged core's
code on an id range. The prepared search (indicator tensors, signal banks, identities) is built once
per process and search and kept for the next shard of the same search."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from trading.contexts.backtest.application.ports.staged_runner import ShardResult, ShardTask
from trading.contexts.backtest.application.services.frontier import Frontier
from trading.contexts.backtest.application.services.outcome_frontier import shard_groups
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch, SearchPlan, prepare_search


class _Unobserved:
    """Shards report nothing and never stop on their own: the driver cancels the task instead."""

    def on_progress(self, stage: str, processed: int, total: int) -> None: ...

    def should_stop(self) -> bool:
        return False

    def on_stage_b_chunk(self, frontier: Frontier, next_variant_index: int) -> None: ...


@dataclass
class _CachedSearch:
    search_id: str
    prepared: PreparedSearch
    shortlist: np.ndarray | None = None


class ShardWorkerCache:
    """One search per process: a new search id replaces the old one (bounded memory)."""

    def __init__(self) -> None:
        self._entry: _CachedSearch | None = None
        self.prepares = 0

    def seed(self, search_id: str, prepared: PreparedSearch) -> None:
        """Reuse a search already prepared in this process (the in-process executor's driver)."""
        self._entry = _CachedSearch(search_id, prepared)

    def get(self, search_id: str, load_plan: Callable[[], SearchPlan]) -> _CachedSearch:
        if self._entry is None or self._entry.search_id != search_id:
            self._entry = None  # drop the old banks before building the new ones
            self._entry = _CachedSearch(search_id, prepare_search(load_plan()))
            self.prepares += 1
        return self._entry


PROCESS_CACHE = ShardWorkerCache()


def run_shard(
    search_id: str,
    task: ShardTask,
    load_plan: Callable[[], SearchPlan],
    load_shortlist: Callable[[], np.ndarray],
    numba_threads: int,
    cache: ShardWorkerCache = PROCESS_CACHE,
) -> ShardResult:
    started = time.perf_counter()
    numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    entry = cache.get(search_id, load_plan)
    core, sizes = entry.prepared.core, entry.prepared.plan.sizes
    if task.stage == "stage_a":
        frontier = core.stage_a_range(task.start, task.stop, sizes.preselect, _Unobserved())
    else:
        if entry.shortlist is None:
            entry.shortlist = load_shortlist()
        frontier = core.stage_b_range(entry.shortlist, task.start, task.stop, sizes.top_k, _Unobserved())
    return ShardResult(
        task.stage,
        task.shard_id,
        frontier.ids.copy(),
        frontier.metrics.copy(),
        time.perf_counter() - started,
        os.getpid(),
        frontier.rejections.copy(),
        shard_groups(frontier),
    )
