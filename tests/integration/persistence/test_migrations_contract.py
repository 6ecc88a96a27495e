"""Contract, schema: `migrate()` on a fresh store applies every version exactly once, even when several
processes start at the same moment."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest_pg import temporary_schema
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository

ALL_VERSIONS = [1, 2, 3, 4, 5, 6]


@contextmanager
def fresh_store_url(dialect: str, tmp_path: Path) -> Iterator[str]:
    if dialect == "sqlite":
        tmp_path.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{tmp_path}/fresh.sqlite3"
    else:
        with temporary_schema() as url:
            yield url


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_concurrent_migrations_apply_each_version_once(dialect: str, tmp_path: Path) -> None:
    with fresh_store_url(dialect, tmp_path) as url:
        repos = [open_jobs_repository(url) for _ in range(4)]
        barrier = threading.Barrier(len(repos))
        applied: list[list[int]] = []

        def migrate(index: int) -> None:
            barrier.wait()
            applied.append(repos[index].migrate())

        threads = [threading.Thread(target=migrate, args=(i,)) for i in range(len(repos))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            assert sorted(applied) == [[], [], [], ALL_VERSIONS]
            assert repos[0].migrate() == []
            assert repos[0].list_jobs("alice", limit=1).jobs == []  # the tables exist
        finally:
            for repo in repos:
                repo.close()


def _migrate_in_process(url: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait()
        repo = open_jobs_repository(url)
        try:
            results.put(("applied", repo.migrate()))
        finally:
            repo.close()
    except Exception as exc:  # reported to the test, which fails naming it
        results.put(("error", f"{type(exc).__name__}: {exc}"))


@contextmanager
def cpu_load(processes: int = 2, seconds: float = 120.0) -> Iterator[None]:
    """Busy-loop processes on every core (bounded in time), the condition the lock failure needed."""
    burners = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(seconds)]) for _ in range(processes)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


BUSY_LOOP = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end: pass"


@pytest.mark.parametrize(
    ("dialect", "rounds"), [("sqlite", 25), pytest.param("postgres", 4, marks=pytest.mark.postgres)]
)
def test_concurrent_migrate_processes_under_cpu_load_never_fail(dialect: str, rounds: int, tmp_path: Path) -> None:
    """Before WAL was switched with a retry, 8 processes on a fresh SQLite file failed 2 rounds in 60 this way."""
    context = multiprocessing.get_context("fork")
    processes = 6
    with cpu_load():
        for round_index in range(rounds):
            with fresh_store_url(dialect, tmp_path / str(round_index)) as url:
                barrier, results = context.Barrier(processes), context.Queue()
                workers = [
                    context.Process(target=_migrate_in_process, args=(url, barrier, results)) for _ in range(processes)
                ]
                for worker in workers:
                    worker.start()
                outcomes = [results.get(timeout=120) for _ in workers]
                for worker in workers:
                    worker.join()
                expected = [("applied", [])] * (processes - 1) + [("applied", ALL_VERSIONS)]
                assert sorted(outcomes) == expected, round_index
