"""`trading worker` for tests, with optional hooks set through the environment:

- JOBS_TEST_ONE_POSITION_CHUNKS: Stage B chunks of one shortlisted base variant (many boundaries);
- JOBS_TEST_SLOW_CHUNK_SECONDS: sleep after every Stage B chunk, a walk-forward fold's too (makes a job
  long enough to interrupt);
- JOBS_TEST_EXIT_IN_STAGE_B: the process dies (os._exit) as a job's Stage B starts, like a crash;
- JOBS_TEST_KILL_AFTER_SHARDS=N: a sharded driver SIGKILLs itself once the observer has seen its N-th
  merged Stage B shard (a kill mid-Stage B at a known point, with no race against a test's poll).
Every Stage A run prints `STAGE_A_RAN`, so a test can tell a resume from a restart.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from apps.cli.main import app
from tests.integration.jobs.support import one_position_chunks_core
from trading.contexts.backtest.application.services import (
    job_runner_streaming_v1,
    staged_core_runner_v1,
    staged_runner_v1,
)
from trading.contexts.backtest.application.use_cases.run_walk_forward import FoldObserver

StagedCore = staged_core_runner_v1.StagedCore
Observer = job_runner_streaming_v1.JobStreamObserver
CRASH_EXIT_CODE = 3


def install_hooks() -> None:
    if os.environ.get("JOBS_TEST_ONE_POSITION_CHUNKS"):
        staged_runner_v1.StagedCore = one_position_chunks_core(StagedCore)  # type: ignore[misc]
    original_stage_a = StagedCore.stage_a
    original_begin_stage_b = Observer.begin_stage_b
    original_chunk = Observer.on_stage_b_chunk
    original_shards = Observer.on_stage_b_shards
    kill_after = int(os.environ.get("JOBS_TEST_KILL_AFTER_SHARDS") or 0)
    slow = float(os.environ.get("JOBS_TEST_SLOW_CHUNK_SECONDS") or 0)
    crash = bool(os.environ.get("JOBS_TEST_EXIT_IN_STAGE_B"))

    def stage_a(self: Any, *args: Any, **kwargs: Any) -> Any:
        print("STAGE_A_RAN", flush=True)
        return original_stage_a(self, *args, **kwargs)

    def begin_stage_b(self: Any, *args: Any) -> None:
        if crash:
            sys.stdout.flush()
            os._exit(CRASH_EXIT_CODE)
        original_begin_stage_b(self, *args)

    def on_stage_b_chunk(self: Any, *args: Any) -> None:
        time.sleep(slow)
        original_chunk(self, *args)

    def on_stage_b_shards(self: Any, shards: Any, *args: Any) -> None:
        original_shards(self, shards, *args)
        if kill_after and len(shards.merged) >= kill_after:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    def on_fold_chunk(self: Any, *args: Any) -> None:
        time.sleep(slow)

    StagedCore.stage_a = stage_a  # type: ignore[method-assign]
    FoldObserver.on_stage_b_chunk = on_fold_chunk  # type: ignore[method-assign]
    Observer.begin_stage_b = begin_stage_b  # type: ignore[method-assign]
    Observer.on_stage_b_chunk = on_stage_b_chunk  # type: ignore[method-assign]
    Observer.on_stage_b_shards = on_stage_b_shards  # type: ignore[method-assign]


if __name__ == "__main__":
    install_hooks()
    app(prog_name="trading")
