"""Contract, constraints: a constrained job's rejection counts are written with its top (under the
lease, in the same transaction) and read back with the job; a job stored before the column existed
still loads after the migration. Runs once per job-store adapter (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from apps.api.dto.backtest_jobs import job_response
from tests.integration.jobs.support import request_json
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository

from .conftest import START, Store
from .test_jobs_worker_contract import claim, owned, top
from .test_migrations_contract import ALL_VERSIONS, fresh_store_url

COUNTS = [
    {"constraint": {"metric": "num_trades", "op": ">=", "value": 30.0}, "stage_a": 1234, "stage_b": 56},
    {"constraint": {"metric": "max_drawdown_pct", "op": "<", "value": 16.7}, "stage_a": 0, "stage_b": 7},
]
PLAIN = request_json()
REQUEST = PLAIN | {"constraints": [c["constraint"] for c in COUNTS]}


def test_counts_are_written_with_the_top_and_read_with_the_job(store: Store) -> None:
    job = store.repo.create_job("alice", REQUEST, max_active_jobs=10)
    assert job.constraint_rejections is None and job.request_json == REQUEST
    claim(store, "w1")
    so_far = [COUNTS[0], COUNTS[1] | {"stage_b": 2}]
    assert store.repo.replace_top(job.id, "w1", top(3), so_far)
    assert owned(store, job.id).constraint_rejections == so_far
    assert store.repo.replace_top(job.id, "w1", top(3), COUNTS)
    assert owned(store, job.id).constraint_rejections == COUNTS
    assert store.repo.list_jobs("alice", limit=5).jobs[0].constraint_rejections == COUNTS
    assert not store.repo.replace_top(job.id, "w2", top(1), [COUNTS[0] | {"stage_a": 0}])  # not the lease holder
    assert owned(store, job.id).constraint_rejections == COUNTS
    shown = job_response(owned(store, job.id))
    assert [c.model_dump(mode="json") for c in shown.constraint_rejections] == COUNTS


def test_a_top_without_constraints_leaves_the_column_empty(store: Store) -> None:
    job = store.repo.create_job("alice", PLAIN, max_active_jobs=10)
    claim(store, "w1")
    assert store.repo.replace_top(job.id, "w1", top(2))
    assert owned(store, job.id).constraint_rejections is None
    assert job_response(owned(store, job.id)).constraint_rejections == []


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_job_stored_before_the_column_loads_after_the_migration(
    dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_store_url(dialect, tmp_path) as url:
        repo = open_jobs_repository(url)
        try:
            older = tmp_path / "older_migrations"
            older.mkdir()
            adapter: Any = type(repo)
            for path in sorted(Path(adapter.migrations_dir).glob("*.sql"))[:-1]:
                shutil.copy(path, older)
            with monkeypatch.context() as patch:
                patch.setattr(adapter, "migrations_dir", older)
                assert repo.migrate() == ALL_VERSIONS[:-1]
            job_id = uuid4()
            row = (str(job_id), "alice", "succeeded", json.dumps(PLAIN), "h", START, START)
            insert = (
                "INSERT INTO backtest_jobs (id, owner_user_id, state, request_json, request_hash, created_at, "
                "updated_at) VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0})"
            )
            if dialect == "sqlite":
                with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
                    text_row = (
                        *row[:5],
                        START.isoformat(timespec="microseconds"),
                        START.isoformat(timespec="microseconds"),
                    )
                    connection.execute(insert.format("?"), text_row)
            else:
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(insert.format("%s"), row)
            assert repo.migrate() == ALL_VERSIONS[-1:]
            old = repo.get_job(job_id, "alice")
            assert old is not None and old.constraint_rejections is None
            shown = job_response(old)
            assert shown.constraint_rejections == [] and shown.request_summary.constraints is None
        finally:
            repo.close()
