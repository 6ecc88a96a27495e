from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from trading.contexts.backtest.adapters.outbound.persistence.migrations import load_migrations
from trading.contexts.backtest.adapters.outbound.persistence.postgres.backtest_jobs_repository import (
    PostgresBacktestJobsRepository,
)
from trading.contexts.backtest.adapters.outbound.persistence.sqlite.backtest_jobs_repository import (
    SqliteBacktestJobsRepository,
)
from trading.contexts.backtest.adapters.outbound.persistence.sqlite.job_store import split_statements


def test_both_dialects_ship_the_same_numbered_migrations() -> None:
    postgres = load_migrations(PostgresBacktestJobsRepository.migrations_dir)
    sqlite = load_migrations(SqliteBacktestJobsRepository.migrations_dir)
    assert [(m.version, m.name) for m in postgres] == [(m.version, m.name) for m in sqlite]
    assert [m.version for m in postgres] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["0001_a.sql", "0003_c.sql"], "without gaps"),
        (["0001_a.sql", "0001_b.sql"], "duplicate"),
        (["1_a.sql"], "must be named"),
        (["0001_Bad-Name.sql"], "must be named"),
    ],
)
def test_a_broken_migration_set_is_refused(tmp_path: Path, files: list[str], message: str) -> None:
    for name in files:
        (tmp_path / name).write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_migrations(tmp_path)


def test_sqlite_script_splits_into_statements_sqlite_accepts() -> None:
    script = "-- head\nCREATE TABLE a (x text DEFAULT ';');\n\nCREATE INDEX a_x ON a (x);\n-- tail\n"
    statements = split_statements(script)
    assert [s.strip().splitlines()[-1] for s in statements] == [
        "CREATE TABLE a (x text DEFAULT ';');",
        "CREATE INDEX a_x ON a (x);",
    ]
    connection = sqlite3.connect(":memory:")
    for statement in statements:
        connection.execute(statement)
    assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (2,)


def test_an_unterminated_statement_is_an_error() -> None:
    with pytest.raises(ValueError, match="inside a statement"):
        split_statements("CREATE TABLE a (x text);\nCREATE TABLE b (y text)\n")


def test_sqlite_migrate_applies_once_and_records_the_version(tmp_path: Path) -> None:
    repo = SqliteBacktestJobsRepository(tmp_path / "nested" / "jobs.sqlite3")
    try:
        assert repo.migrate() == [1, 2, 3, 4, 5, 6]
        assert repo.migrate() == []
    finally:
        repo.close()
    connection = sqlite3.connect(tmp_path / "nested" / "jobs.sqlite3")
    assert connection.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall() == [
        (1, "create_backtest_jobs"),
        (2, "job_retries_and_run_limit"),
        (3, "job_executor"),
        (4, "job_validation"),
        (5, "job_constraint_rejections"),
        (6, "top_row_same_outcome"),
    ]
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
