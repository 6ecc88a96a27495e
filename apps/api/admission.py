"""Admission control for sync searches: a few run, a few wait briefly, the rest are told to come back.

Without it every request got a worker thread and they all shared the CPU until each missed its
deadline (5 concurrent large searches: all failed at 60 s). The gate lives on the event loop, so a
refusal costs no thread and is answered at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Admission
from trading.shared.errors import DomainError

T = TypeVar("T")


def server_busy(status: int, message: str, retry_after_seconds: int) -> DomainError:
    """`retry_after_seconds` becomes the `Retry-After` header (see apps.api.errors.error_response)."""
    return DomainError("server_busy", message, status=status, extra={"retry_after_seconds": retry_after_seconds})


class AdmissionGate:
    """`max_running` slots; up to `max_queued` callers wait up to `queue_wait_seconds` in arrival order.
    Refusals: 429 when the queue is full, 503 when the wait ran out."""

    def __init__(self, config: Admission) -> None:
        self._config = config
        self._slots = asyncio.Semaphore(config.max_running)
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._slots.release()

    async def _acquire(self) -> None:
        config = self._config
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot and nobody ahead: returns without waiting
            return
        if self._waiting >= config.max_queued:
            raise server_busy(
                429,
                f"{config.max_running} sync searches are running and {self._waiting} are waiting; "
                "retry later or submit a job (POST /api/backtests/jobs)",
                config.retry_after_seconds,
            )
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), config.queue_wait_seconds)
        except TimeoutError:
            raise server_busy(
                503,
                f"no sync search slot freed within {config.queue_wait_seconds:g} s; retry later or submit a job",
                config.retry_after_seconds,
            ) from None
        finally:
            self._waiting -= 1


class PlanningPool:
    """Runs request-time planning (preflight, variant report, job submit) on at most `threads` worker
    threads; the rest wait on the event loop. Planning is Python that holds the GIL: 45 preflights on
    40 threads starved the event loop (health p99 0.9 s); two at a time leave it responsive."""

    def __init__(self, threads: int) -> None:
        self._limiter = anyio.CapacityLimiter(threads)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(partial(function, *args), limiter=self._limiter)
