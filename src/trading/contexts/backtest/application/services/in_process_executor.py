"""The default executor: shards run one at a time in the calling process, each when the driver
collects. Same driver, same shard code as a cluster, so unit tests exercise the whole distributed
path without one."""

from __future__ import annotations

from collections import deque

import numpy as np

from trading.contexts.backtest.application.ports.staged_runner import ShardResult, ShardTask
from trading.contexts.backtest.application.services.shard_worker import ShardWorkerCache, run_shard
from trading.contexts.backtest.application.services.staged_runner_v1 import PreparedSearch, SearchPlan


class InProcessSession:
    def __init__(
        self, plan: SearchPlan, search_id: str, numba_threads: int, prepared: PreparedSearch | None = None
    ) -> None:
        self._plan = plan
        self._search_id = search_id
        self._numba_threads = numba_threads
        self._shortlist: np.ndarray | None = None
        self._queue: deque[ShardTask] = deque()
        self.cache = ShardWorkerCache()
        if prepared is not None and prepared.plan is plan:
            self.cache.seed(search_id, prepared)

    @property
    def slots(self) -> int:
        return 1

    def set_shortlist(self, shortlist: np.ndarray) -> None:
        self._shortlist = shortlist

    def submit(self, task: ShardTask) -> None:
        self._queue.append(task)

    def collect(self, timeout_seconds: float) -> list[ShardResult]:
        if not self._queue:
            return []
        task = self._queue.popleft()
        return [
            run_shard(self._search_id, task, self._load_plan, self._load_shortlist, self._numba_threads, self.cache)
        ]

    def cancel(self) -> None:
        self._queue.clear()

    def close(self) -> None:
        self._queue.clear()

    def _load_plan(self) -> SearchPlan:
        return self._plan

    def _load_shortlist(self) -> np.ndarray:
        assert self._shortlist is not None, "Stage B shard before the shortlist was set"
        return self._shortlist


class InProcessExecutor:
    name = "local"

    def __init__(self, numba_threads: int = 1, prepared: PreparedSearch | None = None) -> None:
        """`prepared`: the driver's own prepared search, reused instead of built again."""
        self._numba_threads = numba_threads
        self._prepared = prepared

    def open(self, plan: SearchPlan, search_id: str) -> InProcessSession:
        return InProcessSession(plan, search_id, self._numba_threads, self._prepared)
