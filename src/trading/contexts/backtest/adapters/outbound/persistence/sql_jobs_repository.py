"""The job lifecycle (schema, submit, list, cancel, claim, lease, progress, checkpoint, end), written
once over the shared job store; the results side (top snapshots) is SqlJobResultsRepository."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from trading.contexts.backtest.domain.entities.backtest_job import BacktestJob, BacktestJobPage, JobState
from trading.contexts.backtest.domain.entities.backtest_job_errors import (
    active_jobs_limit_error,
    require_terminal,
)
from trading.shared.canonical_json import canonical_dumps, canonical_sha256

from . import sql_statements as q
from .job_cursor import decode_cursor, encode_cursor
from .migrations import SCHEMA_MIGRATIONS_DDL, load_migrations
from .sql_job_store import DbCursor, SqlJobStore, utc_now


class SqlJobsRepository(SqlJobStore):
    """Implements the lifecycle half of BacktestJobsRepository; subclasses only adapt the dialect."""

    def migrate(self) -> list[int]:
        migrations = load_migrations(self.migrations_dir)
        with self._write() as cur:
            self._lock_migrations(cur)
            cur.execute(SCHEMA_MIGRATIONS_DDL)
            self._exec(cur, q.SELECT_APPLIED_MIGRATIONS)
            applied = {int(row[0]) for row in cur.fetchall()}
            pending = [m for m in migrations if m.version not in applied]
            for migration in pending:
                self._run_script(cur, migration.sql)
                self._exec(
                    cur,
                    q.INSERT_APPLIED_MIGRATION,
                    {"version": migration.version, "name": migration.name, "applied_at": utc_now().isoformat()},
                )
        return [m.version for m in pending]

    # --- API side ---

    def create_job(
        self,
        owner_user_id: str,
        request_json: dict[str, Any],
        max_active_jobs: int,
        max_run_seconds: float | None = None,
        executor: str = "local",
    ) -> BacktestJob:
        params = {
            "executor": executor,
            "id": self._encode_id(uuid4()),
            "owner": owner_user_id,
            "request_json": canonical_dumps(request_json),
            "request_hash": canonical_sha256(request_json),
            "now": self._encode_time(self._now()),
            "max_run_seconds": max_run_seconds,
        }
        with self._write() as cur:
            self._lock_owner_quota(cur, owner_user_id)
            self._exec(cur, q.COUNT_ACTIVE_FOR_OWNER, params)
            if int(cur.fetchone()[0]) >= max_active_jobs:
                raise active_jobs_limit_error(owner_user_id, max_active_jobs)
            self._exec(cur, q.INSERT_JOB, params)
            job = self._job(cur.fetchone())
        self._count("create_job")
        return job

    def count_active_jobs(self, owner_user_id: str) -> int:
        with self._read() as cur:
            self._exec(cur, q.COUNT_ACTIVE_FOR_OWNER, {"owner": owner_user_id})
            return int(cur.fetchone()[0])

    def get_job(self, job_id: UUID, owner_user_id: str) -> BacktestJob | None:
        with self._read() as cur:
            self._exec(cur, q.SELECT_OWNED_JOB, {"id": self._encode_id(job_id), "owner": owner_user_id})
            row = cur.fetchone()
        return None if row is None else self._job(row)

    def list_jobs(
        self, owner_user_id: str, limit: int, cursor: str | None = None, state: JobState | None = None
    ) -> BacktestJobPage:
        if limit < 1:
            raise ValueError("limit must be positive")
        params: dict[str, Any] = {"owner": owner_user_id, "limit": limit + 1, "state": state and state.value}
        statement = q.SELECT_PAGE_FIRST
        if cursor is not None:
            after_at, after_id = decode_cursor(cursor)
            params |= {"after_at": self._encode_time(after_at), "after_id": self._encode_id(after_id)}
            statement = q.SELECT_PAGE_AFTER
        with self._read() as cur:
            self._exec(cur, statement, params)
            jobs = [self._job(row) for row in cur.fetchall()]
        if len(jobs) <= limit:
            return BacktestJobPage(jobs=jobs, next_cursor=None)
        last = jobs[limit - 1]
        return BacktestJobPage(jobs=jobs[:limit], next_cursor=encode_cursor(last.created_at, last.id))

    def request_cancel(self, job_id: UUID, owner_user_id: str) -> BacktestJob | None:
        key = {"id": self._encode_id(job_id), "owner": owner_user_id}
        now = self._now()
        with self._write() as cur:
            self._exec(cur, q.SELECT_OWNED_JOB + self.row_lock, key)
            row = cur.fetchone()
            if row is None:
                return None
            state = JobState(row[2])
            if state is JobState.QUEUED:
                changed = self._end(cur, job_id, JobState.CANCELLED, None, now) > 0
            else:
                changed = self._exec(cur, q.SET_CANCEL_REQUESTED, key | {"now": self._encode_time(now)}) > 0
            if changed:
                self._exec(cur, q.SELECT_OWNED_JOB, key)
                row = cur.fetchone()
        if changed:
            self._count("request_cancel")
        return self._job(row)

    # --- worker side ---

    def claim_next(
        self, worker_id: str, lease_seconds: float, max_attempts: int, executor: str = "local"
    ) -> BacktestJob | None:
        now = self._now()
        stamp = self._encode_time(now)
        scan = q.SELECT_CLAIMABLE.format(lock=self.claim_lock)
        ended = 0
        claimed: BacktestJob | None = None
        with self._write() as cur:
            while claimed is None:
                self._exec(cur, scan, {"now": stamp, "executor": executor})
                row = cur.fetchone()
                if row is None:
                    break
                job = self._job(row)
                if job.cancel_requested_at is not None:
                    ended += self._end(cur, job.id, JobState.CANCELLED, None, now)
                elif job.attempt >= max_attempts:
                    ended += self._end(cur, job.id, JobState.FAILED, _attempts_exhausted(job, max_attempts), now)
                else:
                    expires = self._encode_time(now + timedelta(seconds=lease_seconds))
                    params = {"id": row[0], "worker_id": worker_id, "expires": expires, "now": stamp}
                    self._exec(cur, q.CLAIM, params)
                    claimed = self._job(cur.fetchone())
        if claimed is not None or ended:
            self._count("claim_next")
        return claimed

    def heartbeat(self, job_id: UUID, worker_id: str, lease_seconds: float) -> bool:
        now = self._now()
        extra = {"expires": self._encode_time(now + timedelta(seconds=lease_seconds))}
        return self._conditional_update("heartbeat", q.HEARTBEAT, job_id, worker_id, now, extra)

    def update_progress(self, job_id: UUID, worker_id: str, stage: str, processed: int, total: int) -> bool:
        extra = {"stage": stage, "processed": processed, "total": total}
        return self._conditional_update("update_progress", q.UPDATE_PROGRESS, job_id, worker_id, self._now(), extra)

    def save_checkpoint(self, job_id: UUID, worker_id: str, checkpoint: dict[str, Any]) -> bool:
        def write(cur: DbCursor, params: dict[str, Any]) -> None:
            self._exec(cur, q.UPSERT_CHECKPOINT, params | {"checkpoint": _checkpoint_text(checkpoint)})

        return self._with_lease("save_checkpoint", job_id, worker_id, write)

    def load_checkpoint(self, job_id: UUID) -> dict[str, Any] | None:
        with self._read() as cur:
            self._exec(cur, q.SELECT_CHECKPOINT, {"id": self._encode_id(job_id)})
            row = cur.fetchone()
        return None if row is None else json.loads(row[0])

    def finish(
        self, job_id: UUID, worker_id: str, state: JobState, error_json: dict[str, Any] | None = None
    ) -> JobState | None:
        require_terminal(state)
        ended: list[JobState] = []

        def write(cur: DbCursor, params: dict[str, Any]) -> None:
            # The cancel flag is read under the row lock the cancel request also takes, so a cancel that
            # was acknowledged before this transaction always wins over the worker's own end state.
            cancelled = params["cancel_requested_at"] is not None
            final = JobState.CANCELLED if cancelled else state
            self._end(cur, job_id, final, None if cancelled else error_json, self._now())
            ended.append(final)

        return ended[0] if self._with_lease("finish", job_id, worker_id, write) else None

    def release(self, job_id: UUID, worker_id: str, retry_after_seconds: float | None = None) -> bool:
        now = self._now()
        retry = {
            "store_retry": 0 if retry_after_seconds is None else 1,
            "not_before": None
            if retry_after_seconds is None
            else self._encode_time(now + timedelta(seconds=retry_after_seconds)),
        }

        def write(cur: DbCursor, params: dict[str, Any]) -> None:
            if params["cancel_requested_at"] is not None:
                self._end(cur, job_id, JobState.CANCELLED, None, now)
            else:
                self._exec(cur, q.RELEASE, params | retry)

        return self._with_lease("release", job_id, worker_id, write)

    def is_cancel_requested(self, job_id: UUID) -> bool:
        with self._read() as cur:
            self._exec(cur, q.SELECT_CANCEL_FLAG, {"id": self._encode_id(job_id)})
            row = cur.fetchone()
        return row is not None and bool(row[0])

    def _end(self, cur: DbCursor, job_id: UUID, state: JobState, error: dict[str, Any] | None, now: datetime) -> int:
        """Move an active job to an end state and drop its checkpoint (nothing resumes a finished job)."""
        stamp = self._encode_time(now)
        params = {
            "id": self._encode_id(job_id),
            "state": state.value,
            "error_json": None if error is None else canonical_dumps(error),
            "cancel_at": stamp if state is JobState.CANCELLED else None,
            "now": stamp,
        }
        ended = self._exec(cur, q.END_JOB.format(guard=""), params)
        self._exec(cur, q.DELETE_CHECKPOINT, params)
        return ended

    def _job(self, row: Sequence[Any]) -> BacktestJob:
        t = self._optional_time
        return BacktestJob(
            id=self._decode_id(row[0]),
            owner_user_id=row[1],
            state=JobState(row[2]),
            request_json=self._decode_json(row[3]),
            request_hash=row[4],
            created_at=self._decode_time(row[5]),
            updated_at=self._decode_time(row[6]),
            started_at=t(row[7]),
            finished_at=t(row[8]),
            stage=row[9],
            processed=int(row[10]),
            total=int(row[11]),
            attempt=int(row[12]),
            lease_owner=row[13],
            lease_expires_at=t(row[14]),
            heartbeat_at=t(row[15]),
            cancel_requested_at=t(row[16]),
            error_json=None if row[17] is None else self._decode_json(row[17]),
            store_retries=int(row[18]),
            retry_not_before=t(row[19]),
            max_run_seconds=None if row[20] is None else float(row[20]),
            executor=row[21],
            constraint_rejections=None if row[22] is None else self._decode_json(row[22]),
        )


def _checkpoint_text(checkpoint: dict[str, Any]) -> str:
    """Python's JSON dialect (inf/NaN allowed): a checkpoint may hold raw metrics, and only Python reads it."""
    return json.dumps(checkpoint, separators=(",", ":"), sort_keys=True)


def _attempts_exhausted(job: BacktestJob, max_attempts: int) -> dict[str, Any]:
    return {
        "code": "max_attempts_exceeded",
        "message": f"the job was claimed {job.attempt} times without finishing (max_attempts={max_attempts}); "
        "its worker failed or crashed each time",
        "attempt": job.attempt,
        "last_stage": job.stage,
    }
