"""SIGTERM / SIGINT ask the worker to stop gracefully; a second signal falls back to the default action."""

from __future__ import annotations

import signal
import threading
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_on_signals(stop: threading.Event) -> None:
    """Install handlers (main thread only) that set `stop` once, then restore the default handlers."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_DFL)

    for number in STOP_SIGNALS:
        signal.signal(number, request_stop)
