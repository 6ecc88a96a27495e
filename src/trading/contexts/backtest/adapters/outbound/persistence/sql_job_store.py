"""What every job-store repository shares, written once over a DB-API cursor: the dialect hooks each
adapter supplies (connections, row locks, how ids, timestamps and JSON are stored), transactions that
turn passing driver failures into JobStoreUnavailableError, and writes conditional on the lease."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from trading.contexts.backtest.domain.entities.backtest_job_errors import (
    JobStoreUnavailableError,
)

from . import sql_statements as q

Clock = Callable[[], datetime]
Params = Mapping[str, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


class DbCursor(Protocol):
    """The slice of DB-API cursor both sqlite3 and psycopg provide."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Params = ..., /) -> Any: ...

    def executemany(self, sql: str, params: Sequence[Params], /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SqlJobStore(ABC):
    """The shared mechanics; the dialect adapters implement the hooks."""

    row_lock = ""  # appended to a SELECT that must lock the row it reads
    claim_lock = ""  # appended to the claim scan (lets concurrent claimers skip each other's rows)
    migrations_dir: Path

    def __init__(self, now: Clock = utc_now) -> None:
        self._now = now
        self.write_counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    # --- dialect hooks ---

    @abstractmethod
    def _write_transaction(self) -> AbstractContextManager[DbCursor]:
        """A transaction that serialises with other writers of the same rows; commits on exit."""

    @abstractmethod
    def _read_transaction(self) -> AbstractContextManager[DbCursor]: ...

    @abstractmethod
    def _store_failure(self, exc: Exception) -> JobStoreUnavailableError | None:
        """The passing-failure error for a driver exception (lost connection, lock timeout, disk full),
        or None when the exception says something is wrong with what was asked."""

    @abstractmethod
    def _sql(self, statement: str) -> str:
        """Rewrite shared SQL into the driver's parameter style."""

    @abstractmethod
    def _lock_owner_quota(self, cur: DbCursor, owner_user_id: str) -> None:
        """Serialise submits of one owner so the quota count cannot race."""

    @abstractmethod
    def _lock_migrations(self, cur: DbCursor) -> None: ...

    @abstractmethod
    def _run_script(self, cur: DbCursor, script: str) -> None: ...

    @abstractmethod
    def _encode_time(self, value: datetime) -> Any: ...

    @abstractmethod
    def _decode_time(self, value: Any) -> datetime: ...

    @abstractmethod
    def _encode_id(self, value: UUID) -> Any: ...

    @abstractmethod
    def _decode_id(self, value: Any) -> UUID: ...

    @abstractmethod
    def _decode_json(self, value: Any) -> Any: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- shared mechanics ---

    @contextmanager
    def _write(self) -> Iterator[DbCursor]:
        with self._store_failures_translated(), self._write_transaction() as cur:
            yield cur

    @contextmanager
    def _read(self) -> Iterator[DbCursor]:
        with self._store_failures_translated(), self._read_transaction() as cur:
            yield cur

    @contextmanager
    def _store_failures_translated(self) -> Iterator[None]:
        """Driver exceptions of a passing kind leave the store as JobStoreUnavailableError (503 / retry)."""
        try:
            yield
        except Exception as exc:
            failure = self._store_failure(exc)
            if failure is None:
                raise
            raise failure from exc

    def _exec(self, cur: DbCursor, statement: str, params: Params | None = None) -> int:
        cur.execute(self._sql(statement), params or {})
        return cur.rowcount

    def _count(self, method: str) -> None:
        with self._count_lock:
            self.write_counts[method] += 1

    def _conditional_update(
        self, method: str, statement: str, job_id: UUID, worker_id: str, now: datetime, extra: dict[str, Any]
    ) -> bool:
        """One UPDATE whose WHERE clause is the lease check itself, so it is atomic on its own."""
        params = {"id": self._encode_id(job_id), "worker_id": worker_id, "now": self._encode_time(now)} | extra
        with self._write() as cur:
            written = self._exec(cur, statement, params) > 0
        if written:
            self._count(method)
        return written

    def _with_lease(
        self, method: str, job_id: UUID, worker_id: str, write: Callable[[DbCursor, dict[str, Any]], None]
    ) -> bool:
        """Lock the job row if this worker still holds its lease, then run `write` in that transaction."""
        params = {"id": self._encode_id(job_id), "worker_id": worker_id, "now": self._encode_time(self._now())}
        with self._write() as cur:
            self._exec(cur, q.SELECT_HELD.format(lock=self.row_lock), params)
            held = cur.fetchone()
            if held is None:
                return False
            write(cur, params | {"cancel_requested_at": held[0]})
        self._count(method)
        return True

    def _optional_time(self, value: Any) -> datetime | None:
        return None if value is None else self._decode_time(value)
