"""The embedded job store: one SQLite file in WAL mode, shared safely by several worker processes.

Every write runs in `BEGIN IMMEDIATE`, which takes the database write lock up front, so a claim or a
quota check can never interleave with another process's; readers are never blocked (WAL).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from trading.contexts.backtest.domain.entities.backtest_job_errors import (
    JobStoreUnavailableError,
    job_store_full_error,
    job_store_unavailable_error,
)

from ..sql_job_store import Clock, DbCursor, SqlJobStore, utc_now

BUSY_TIMEOUT_SECONDS = 30.0
_PASSING_SQLITE_CODES = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL}
)
_WAL_RETRY_FIRST_SECONDS = 0.005
_WAL_RETRY_MAX_SECONDS = 0.25


class SqliteJobStore(SqlJobStore):
    """Connections and dialect hooks; the jobs and the results repositories share them through it."""

    migrations_dir = Path(__file__).parent / "migrations"

    def __init__(self, path: Path, now: Clock = utc_now, busy_timeout_seconds: float = BUSY_TIMEOUT_SECONDS) -> None:
        """`busy_timeout_seconds`: how long a statement waits for another process's write lock before the
        store reports itself unavailable (a lock timeout: the job is retried later, never failed)."""
        super().__init__(now)
        self.path = path
        self._busy_timeout = busy_timeout_seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()

    def close(self) -> None:
        with self._connections_lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def _write_transaction(self) -> Iterator[DbCursor]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection.cursor()
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextmanager
    def _read_transaction(self) -> Iterator[DbCursor]:
        # A deferred transaction gives the statements of one read a single WAL snapshot.
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            yield connection.cursor()
        finally:
            connection.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread: sqlite3 connections must not be shared across threads."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            enable_wal(connection, self._busy_timeout)
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _sql(self, statement: str) -> str:
        return statement

    def _store_failure(self, exc: Exception) -> JobStoreUnavailableError | None:
        return sqlite_store_failure(exc)

    def _lock_owner_quota(self, cur: DbCursor, owner_user_id: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already serialises every writer of the file."""

    def _lock_migrations(self, cur: DbCursor) -> None:
        """Nothing to do: BEGIN IMMEDIATE already serialises every writer of the file."""

    def _run_script(self, cur: DbCursor, script: str) -> None:
        for statement in split_statements(script):
            cur.execute(statement)

    def _encode_time(self, value: datetime) -> str:
        # Fixed width UTC with microseconds: text order equals time order.
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def _decode_time(self, value: Any) -> datetime:
        return datetime.fromisoformat(value)

    def _encode_id(self, value: UUID) -> str:
        return str(value)

    def _decode_id(self, value: Any) -> UUID:
        return UUID(value)

    def _decode_json(self, value: Any) -> Any:
        return json.loads(value)


def enable_wal(connection: sqlite3.Connection, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
    """Switch the file to WAL, retrying while another process holds the lock.

    WAL is persistent, so only the first opener of a fresh file changes anything; but the switch needs an
    exclusive lock, and SQLite answers a contended switch with SQLITE_BUSY at once instead of calling the
    busy handler (concurrent `migrate` on a fresh file failed that way). So retry with backoff here.
    """
    deadline = time.monotonic() + timeout
    delay = _WAL_RETRY_FIRST_SECONDS
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, _WAL_RETRY_MAX_SECONDS)
            continue
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"could not switch the job store to WAL (journal_mode is {mode})")
        return


def is_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (extended codes included): another connection holds the lock."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def sqlite_store_failure(exc: Exception) -> JobStoreUnavailableError | None:
    """Busy/locked past the busy timeout, I/O errors, a file that cannot be opened: passing; a full disk
    (or a reached max_page_count) gets its own code."""
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    primary = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if primary == sqlite3.SQLITE_FULL:
        return job_store_full_error(exc)
    if primary in _PASSING_SQLITE_CODES:
        return job_store_unavailable_error(exc)
    return None


def split_statements(script: str) -> list[str]:
    """A migration script as single statements (sqlite3 runs one per call inside a transaction)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    leftover = [line.strip() for line in pending.splitlines() if line.strip()]
    if any(not line.startswith("--") for line in leftover):
        raise ValueError(f"migration ends inside a statement: {pending.strip()[:80]!r}")
    return statements
