"""The results side of a job: its live top table. A snapshot replaces the whole top in one transaction
under the worker's lease (readers see the old or the new top, never a mix); reads are owner-scoped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from trading.contexts.backtest.domain.entities.backtest_job_top_row import JobTopRow
from trading.shared.canonical_json import canonical_dumps

from . import sql_statements as q
from .sql_job_store import DbCursor, SqlJobStore
from .top_row_codec import decode_metrics, encode_metrics


class SqlJobResultsRepository(SqlJobStore):
    """Implements BacktestJobResultsRepository; the dialect comes from the adapter's job store."""

    def get_top(self, job_id: UUID, owner_user_id: str, limit: int) -> list[JobTopRow] | None:
        key = {"id": self._encode_id(job_id), "owner": owner_user_id, "limit": limit}
        with self._read() as cur:
            self._exec(cur, q.SELECT_JOB_EXISTS, key)
            if cur.fetchone() is None:
                return None
            self._exec(cur, q.SELECT_TOP, key)
            return [self._top_row(row) for row in cur.fetchall()]

    def replace_top(
        self,
        job_id: UUID,
        worker_id: str,
        rows: Sequence[JobTopRow],
        constraint_rejections: Sequence[dict[str, Any]] = (),
    ) -> bool:
        ranks = [row.rank for row in rows]
        if ranks != list(range(1, len(rows) + 1)):
            raise ValueError(f"top rows must be ranked 1..n in order, got ranks {ranks[:10]}")

        def write(cur: DbCursor, params: dict[str, Any]) -> None:
            if rows:
                cur.executemany(self._sql(q.UPSERT_TOP_ROW), [params | _top_params(row) for row in rows])
            self._exec(cur, q.DELETE_TOP_TAIL, params | {"count": len(rows)})
            if constraint_rejections:
                rejections = canonical_dumps(list(constraint_rejections))
                self._exec(cur, q.SET_CONSTRAINT_REJECTIONS, params | {"rejections": rejections})

        return self._with_lease("replace_top", job_id, worker_id, write)

    def save_validation(self, job_id: UUID, worker_id: str, validation: dict[str, Any]) -> bool:
        def write(cur: DbCursor, params: dict[str, Any]) -> None:
            self._exec(cur, q.UPSERT_VALIDATION, params | {"validation": canonical_dumps(validation)})

        return self._with_lease("save_validation", job_id, worker_id, write)

    def get_validation(self, job_id: UUID, owner_user_id: str) -> dict[str, Any] | None:
        key = {"id": self._encode_id(job_id), "owner": owner_user_id}
        with self._read() as cur:
            self._exec(cur, q.SELECT_JOB_EXISTS, key)
            if cur.fetchone() is None:
                return None
            self._exec(cur, q.SELECT_VALIDATION, key)
            row = cur.fetchone()
        return None if row is None else self._decode_json(row[0])

    def _top_row(self, row: Sequence[Any]) -> JobTopRow:
        validation = self._decode_json(row[7])
        return JobTopRow(
            rank=int(row[0]),
            variant_key=row[1],
            indicator_variant_key=row[2],
            variant_index=int(row[3]),
            total_return_pct=float(row[4]),
            ranking_metrics=decode_metrics(self._decode_json(row[5])),
            payload=self._decode_json(row[6]),
            stability=validation.get("stability"),
            oos_metrics=validation.get("oos_metrics"),
            same_outcome=None if row[8] is None else self._decode_json(row[8]),
        )


def _top_params(row: JobTopRow) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "variant_key": row.variant_key,
        "indicator_variant_key": row.indicator_variant_key,
        "variant_index": row.variant_index,
        "total_return_pct": row.total_return_pct,
        "ranking_metrics_json": canonical_dumps(encode_metrics(row.ranking_metrics)),
        "payload_json": canonical_dumps(row.payload),
        "validation_json": canonical_dumps(
            {name: value for name, value in (("stability", row.stability), ("oos_metrics", row.oos_metrics)) if value}
        ),
        "same_outcome_json": None if row.same_outcome is None else canonical_dumps(row.same_outcome),
    }
