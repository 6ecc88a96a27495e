"""SIGTERM / SIGINT ask the worker to stop gracefully; a second signal falls back to the default action.

The handler runs on the main thread between bytecodes, possibly while that thread holds a lock, so
it only flips a flag: `threading.Event.set()` there could deadlock against the main thread's own wait.
"""

from __future__ import annotations

import signal
import time
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_WAIT_STEP_SECONDS = 0.05


class StopRequest:
    """A stop flag that is safe to set from a signal handler (one attribute write, no locks)."""

    def __init__(self) -> None:
        self._requested = False

    def set(self) -> None:
        self._requested = True

    def is_set(self) -> bool:
        return self._requested

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout`, waking early (within 50 ms) once stop is requested."""
        deadline = time.monotonic() + timeout
        while not self._requested and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, _WAIT_STEP_SECONDS))
        return self._requested


def stop_on_signals(stop: StopRequest) -> None:
    """Install handlers (main thread only) that request a stop once, then restore the defaults."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_DFL)

    for number in STOP_SIGNALS:
        signal.signal(number, request_stop)
