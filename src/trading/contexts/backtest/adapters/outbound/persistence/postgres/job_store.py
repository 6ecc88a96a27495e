"""The PostgreSQL dialect of the job store: a psycopg connection pool shared by many workers on many
machines. Claims use `FOR UPDATE SKIP LOCKED`; a per-owner advisory lock makes the quota atomic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from trading.contexts.backtest.domain.entities.backtest_job_errors import (
    JobStoreUnavailableError,
    job_store_full_error,
    job_store_unavailable_error,
)

from ..sql_job_store import Clock, DbCursor, SqlJobStore, utc_now

# Advisory-lock namespaces (first key of the two-key form), so our locks never meet another app's.
QUOTA_LOCK_NAMESPACE = 0x4A0B
MIGRATION_LOCK_NAMESPACE = 0x4A0C

DISK_FULL_SQLSTATE = "53100"
# SQLSTATE classes that say "try again later", never "your request is wrong": connection exception,
# transaction rollback (serialization failure, deadlock), insufficient resources, operator intervention
# (admin shutdown, pg_terminate_backend), system error (I/O); plus lock_not_available (lock timeout).
_PASSING_SQLSTATE_CLASSES = ("08", "40", "53", "57", "58")
_LOCK_NOT_AVAILABLE = "55P03"

_NAMED_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class PostgresJobStore(SqlJobStore):
    """Connections and dialect hooks; the jobs and the results repositories share one pool through it."""

    migrations_dir = Path(__file__).parent / "migrations"
    row_lock = " FOR UPDATE"
    claim_lock = " FOR UPDATE SKIP LOCKED"

    def __init__(self, conninfo: str, now: Clock = utc_now, max_pool_size: int = 8) -> None:
        """A schema other than `public` goes in the URL: `?options=-csearch_path%3Dname` (libpq applies it
        to every pooled connection; tests give each session its own schema this way)."""
        super().__init__(now)
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=max_pool_size, open=True)

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _write_transaction(self) -> Iterator[DbCursor]:
        # The pool's context commits on a clean exit and rolls back on an exception.
        with self._pool.connection() as connection, connection.cursor() as cursor:
            yield cast(DbCursor, cursor)

    _read_transaction = _write_transaction

    def _store_failure(self, exc: Exception) -> JobStoreUnavailableError | None:
        return postgres_store_failure(exc)

    def _sql(self, statement: str) -> str:
        return _to_pyformat(statement)

    def _lock_owner_quota(self, cur: DbCursor, owner_user_id: str) -> None:
        cur.execute(
            "SELECT pg_advisory_xact_lock(%(ns)s, hashtext(%(owner)s))",
            {"ns": QUOTA_LOCK_NAMESPACE, "owner": owner_user_id},
        )

    def _lock_migrations(self, cur: DbCursor) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%(ns)s, 0)", {"ns": MIGRATION_LOCK_NAMESPACE})

    def _run_script(self, cur: DbCursor, script: str) -> None:
        # Without parameters psycopg sends the script as one simple query, all statements in this transaction.
        cast(Any, cur).execute(sql.SQL(cast(Any, script)))

    def _encode_time(self, value: datetime) -> datetime:
        return value

    def _decode_time(self, value: Any) -> datetime:
        return value.astimezone(UTC)  # the session time zone must not leak into the entity

    def _encode_id(self, value: UUID) -> UUID:
        return value

    def _decode_id(self, value: Any) -> UUID:
        return value

    def _decode_json(self, value: Any) -> Any:
        return value  # psycopg already parses jsonb


@cache
def _to_pyformat(statement: str) -> str:
    """`:name` -> `%(name)s`, leaving `::type` casts alone."""
    return _NAMED_PARAM.sub(r"%(\1)s", statement)


def postgres_store_failure(exc: Exception) -> JobStoreUnavailableError | None:
    """A lost or refused connection, a lock timeout, a full disk: passing; anything else is not."""
    if not isinstance(exc, psycopg.Error):
        return None
    sqlstate = exc.sqlstate or ""
    if sqlstate == DISK_FULL_SQLSTATE:
        return job_store_full_error(exc)
    if sqlstate.startswith(_PASSING_SQLSTATE_CLASSES) or sqlstate == _LOCK_NOT_AVAILABLE:
        return job_store_unavailable_error(exc)
    # No SQLSTATE: the connection broke or could not be had from the pool (PoolTimeout is one).
    if not sqlstate and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return job_store_unavailable_error(exc)
    return None
