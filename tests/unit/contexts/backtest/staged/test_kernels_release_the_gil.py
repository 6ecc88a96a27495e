"""Kernels release the GIL, so a job's heartbeat thread and the API's event loop keep running while a
chunk is scored or an indicator grid is computed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from trading.contexts.backtest.application.services.close_fill_scorer_v1 import (
    score_and_metric,
    score_bases_metric,
    score_block_metric,
)
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams
from trading.contexts.indicators.adapters.outbound.compute_numba.kernels.ma import sma


def _longest_main_thread_stall(work: Callable[[], object]) -> tuple[float, float]:
    """(longest gap between 5 ms ticks of the main thread, duration of `work` in a background thread)."""
    work()  # compile / load from cache outside the measurement
    done = threading.Event()
    duration = [0.0]

    def run() -> None:
        started = time.perf_counter()
        work()
        duration[0] = time.perf_counter() - started
        done.set()

    thread = threading.Thread(target=run)
    last = time.perf_counter()
    longest = 0.0
    thread.start()
    while not done.is_set():
        time.sleep(0.005)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    thread.join()
    return longest, duration[0]


def _assert_main_thread_kept_running(work: Callable[[], object]) -> None:
    stall, duration = _longest_main_thread_stall(work)
    assert duration > 0.2, f"work too short to tell ({duration:.3f}s)"
    assert stall < duration / 2, f"main thread stalled {stall:.3f}s during {duration:.3f}s of kernel work"


def test_scoring_kernel_releases_the_gil() -> None:
    rng = np.random.default_rng(3)
    n, rows = 300_000, 64
    close = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    signals = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(rows, n))
    idx = np.repeat(np.arange(rows, dtype=np.int64), 4)
    sl = np.tile(np.array([np.nan, 1.0, 2.0, 3.0]), rows)
    ts_ms = np.arange(n, dtype=np.int64) * 60_000
    _assert_main_thread_kept_running(
        lambda: score_block_metric(close, signals, idx, sl, sl, ExecutionParams(fee_pct=0.1), ts_ms=ts_ms)
    )


def test_stage_b_lane_walk_releases_the_gil() -> None:
    rng = np.random.default_rng(4)
    n, rows = 300_000, 16
    close = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    signals = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(rows, n))
    stops = np.array([np.nan, 1.0, 2.0, 3.0])
    ts_ms = np.arange(n, dtype=np.int64) * 60_000
    _assert_main_thread_kept_running(
        lambda: score_bases_metric(
            close, signals, np.arange(rows, dtype=np.int64), np.repeat(stops, 4), np.tile(stops, 4),
            ExecutionParams(fee_pct=0.1), ts_ms=ts_ms,
        )
    )


def test_stage_a_and_kernel_releases_the_gil() -> None:
    rng = np.random.default_rng(5)
    n = 300_000
    close = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    banks = [rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(rows, n)) for rows in (16, 16)]
    picks = np.stack(np.meshgrid(np.arange(16), np.arange(16), indexing="ij"), axis=-1).reshape(-1, 2)
    ts_ms = np.arange(n, dtype=np.int64) * 60_000
    _assert_main_thread_kept_running(
        lambda: score_and_metric(close, banks, picks, ExecutionParams(fee_pct=0.1), ts_ms=ts_ms)
    )


def test_indicator_kernel_releases_the_gil() -> None:
    rng = np.random.default_rng(4)
    rows = np.ascontiguousarray(100 + np.cumsum(rng.normal(0, 1, (1, 400_000)), axis=1))
    windows = np.arange(5, 205, dtype=np.int64)
    _assert_main_thread_kept_running(lambda: sma(rows, np.zeros(windows.shape[0], dtype=np.int64), windows))
