"""Claim -> run -> claim again until told to stop; one log line when a job starts and when it ends.

Several worker processes (on one or many machines) share one job store: `claim_next` hands each job to
exactly one of them, and the lease decides who may write. A storage error never kills the loop; the
job it hit is reclaimed by some worker once its lease expires.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import Counter
from uuid import uuid4

from apps.worker.stop_signals import StopRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.ports.staged_runner import SearchExecutor
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.application.use_cases.run_backtest_job_runner_v1 import (
    JobOutcome,
    run_backtest_job,
)

logger = logging.getLogger("apps.worker")


def default_worker_id() -> str:
    """Unique per process and readable in the jobs table: host, pid and a short random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"


def run_worker(
    repo: BacktestJobsRepository,
    ctx: BacktestContext,
    worker_id: str,
    stop: StopRequest,
    drain: bool = False,
    executor: SearchExecutor | None = None,
) -> Counter[JobOutcome]:
    """Loop until `stop` is set (or, with `drain`, until no job is claimable); outcomes per kind.

    A set `stop` also ends the current job at its next chunk boundary: it is checkpointed and its
    lease released, so another worker resumes it. With a Ray `executor` the worker claims only jobs
    created for it (`executor=ray`) and drives their shards on the cluster.
    """
    executor_name = "local" if executor is None else executor.name
    jobs = ctx.config.jobs
    outcomes: Counter[JobOutcome] = Counter()
    while not stop.is_set():
        try:
            job = repo.claim_next(worker_id, jobs.lease_seconds, jobs.max_attempts, executor_name)
        except Exception:
            logger.exception("worker %s: claim failed; retrying in %.1f s", worker_id, jobs.claim_poll_seconds)
            stop.wait(jobs.claim_poll_seconds)
            continue
        if job is None:
            if drain:
                break
            stop.wait(jobs.claim_poll_seconds)
            continue
        logger.info("job %s start: worker=%s attempt=%d owner=%s", job.id, worker_id, job.attempt, job.owner_user_id)
        started = time.perf_counter()
        try:
            outcome = run_backtest_job(job, repo, ctx, worker_id, stop, executor)
        except Exception:
            logger.exception("job %s: storage error; the job will be reclaimed after its lease expires", job.id)
            continue
        outcomes[outcome] += 1
        logger.info("job %s %s in %.2f s: worker=%s", job.id, outcome.value, time.perf_counter() - started, worker_id)
    return outcomes
