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

    def replace_top(self, job_id: UUID, worker_id: str, rows: Sequence[JobTopRow]) -> bool:
        ranks = [row.rank for row in rows]
        if ranks != list(range(1, len(rows) + 1)):
            raise ValueError(f"top rows must be ranked 1..n in order, got ranks {ranks[:10]}")

        def write(cur: DbCursor, params: dict[str, Any]) -> None:
            if rows:
                cur.executemany(self._sql(q.UPSERT_TOP_ROW), [params | _top_params(row) for row in rows])
            self._exec(cur, q.DELETE_TOP_TAIL, params | {"count": len(rows)})

        return self._with_lease("replace_top", job_id, worker_id, write)

    def _top_row(self, row: Sequence[Any]) -> JobTopRow:
        return JobTopRow(
            rank=int(row[0]),
            variant_key=row[1],
            indicator_variant_key=row[2],
            variant_index=int(row[3]),
            total_return_pct=float(row[4]),
            ranking_metrics=decode_metrics(self._decode_json(row[5])),
            payload=self._decode_json(row[6]),
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
    }
