"""SIGTERM/SIGINT only flip the worker's stop flag (no locks in the handler), once; the next signal
gets the default action."""

import os
import signal
import time
from collections.abc import Iterator

import pytest

from apps.worker.stop_signals import STOP_SIGNALS, StopRequest, stop_on_signals


@pytest.fixture
def restore_handlers() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.parametrize("signum", STOP_SIGNALS)
def test_a_signal_requests_a_stop_once_then_restores_the_default(restore_handlers: None, signum: int) -> None:
    stop = StopRequest()
    stop_on_signals(stop)
    assert not stop.is_set()
    os.kill(os.getpid(), signum)
    assert stop.is_set()
    assert all(signal.getsignal(number) is signal.SIG_DFL for number in STOP_SIGNALS)


def test_wait_sleeps_the_timeout_unless_a_stop_is_requested() -> None:
    stop = StopRequest()
    started = time.monotonic()
    assert stop.wait(0.2) is False
    assert 0.2 <= time.monotonic() - started < 0.5
    stop.set()
    started = time.monotonic()
    assert stop.wait(10.0) is True
    assert time.monotonic() - started < 0.05
