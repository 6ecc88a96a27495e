"""Contract, schema: `migrate()` on a fresh store applies every version exactly once, even when several
processes start at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest_pg import temporary_schema
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository


@contextmanager
def fresh_store_url(dialect: str, tmp_path: Path) -> Iterator[str]:
    if dialect == "sqlite":
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
            assert sorted(applied) == [[], [], [], [1, 2]]
            assert repos[0].migrate() == []
            assert repos[0].list_jobs("alice", limit=1).jobs == []  # the tables exist
        finally:
            for repo in repos:
                repo.close()
