"""Admission control for sync searches (a few run, a few wait briefly, the rest are told to come
back) and the planning lane (a burst of planning requests enters the app a few at a time).

Without the gate every request got a worker thread and they all shared the CPU until each missed its
deadline (5 concurrent large searches: all failed at 60 s). The gate lives on the event loop, so a
refusal costs no thread and is answered at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import Admission
from trading.shared.errors import DomainError

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


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


class PlanningLane:
    """At most `size` planning requests (preflight, variant report, job submit) inside the app at
    once; the rest wait on the event loop before their bodies are read. Planning is Python that holds
    the GIL, and so is each request's body parsing, validation, dependency solving and response
    serialisation on the event loop: 45 preflights arriving together put all of that on the loop in
    one turn and health waited behind them (p99 390 ms; 884 ms with 40 planning threads)."""

    def __init__(self, size: int) -> None:
        self._slots = anyio.CapacityLimiter(size)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            yield


class PlanningRoute(APIRoute):
    """A route whose whole request (body, validation, dependencies, endpoint, response) runs in the
    app's planning lane (`app.state.planning_lane`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_lane(request: Request) -> Response:
            lane: PlanningLane = request.app.state.planning_lane
            async with lane.slot():
                return await handler(request)

        return in_lane


def planning_post(router: APIRouter, path: str, **route: Any) -> Callable[[Endpoint], Endpoint]:
    """`@router.post(path, **route)` for a planning endpoint: registered as a `PlanningRoute`."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["POST"], route_class_override=PlanningRoute, **route)
        return endpoint

    return register
