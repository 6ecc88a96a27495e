"""The job-store SQL both dialects share, with `:name` parameters (the PostgreSQL adapter rewrites them).

Timestamps come from the adapter's clock as parameters, never from the database, so tests can move
time and every worker compares leases on one scale.
"""

from __future__ import annotations

JOB_COLUMNS = (
    "id, owner_user_id, state, request_json, request_hash, created_at, updated_at, started_at, "
    "finished_at, stage, processed, total, attempt, lease_owner, lease_expires_at, heartbeat_at, "
    "cancel_requested_at, error_json, store_retries, retry_not_before, max_run_seconds, executor, "
    "constraint_rejections_json"
)
TOP_COLUMNS = (
    "rank, variant_key, indicator_variant_key, variant_index, total_return_pct, ranking_metrics_json, payload_json, "
    "validation_json, same_outcome_json"
)
ACTIVE = "state IN ('queued', 'running')"
# A worker's write goes through only while it still holds an unexpired lease.
LEASE_HELD = "state = 'running' AND lease_owner = :worker_id AND lease_expires_at > :now"

COUNT_ACTIVE_FOR_OWNER = f"SELECT count(*) FROM backtest_jobs WHERE owner_user_id = :owner AND {ACTIVE}"
INSERT_JOB = (
    "INSERT INTO backtest_jobs "
    "(id, owner_user_id, state, request_json, request_hash, created_at, updated_at, max_run_seconds, executor) "
    "VALUES (:id, :owner, 'queued', :request_json, :request_hash, :now, :now, :max_run_seconds, :executor) "
    f"RETURNING {JOB_COLUMNS}"
)
SELECT_OWNED_JOB = f"SELECT {JOB_COLUMNS} FROM backtest_jobs WHERE id = :id AND owner_user_id = :owner"
# `:state` NULL lists every state; the cast gives PostgreSQL the parameter's type.
_STATE_FILTER = "AND (CAST(:state AS TEXT) IS NULL OR state = CAST(:state AS TEXT)) "
SELECT_PAGE_FIRST = (
    f"SELECT {JOB_COLUMNS} FROM backtest_jobs WHERE owner_user_id = :owner {_STATE_FILTER}"
    "ORDER BY created_at DESC, id DESC LIMIT :limit"
)
SELECT_PAGE_AFTER = (
    f"SELECT {JOB_COLUMNS} FROM backtest_jobs WHERE owner_user_id = :owner {_STATE_FILTER}"
    "AND (created_at < :after_at OR (created_at = :after_at AND id < :after_id)) "
    "ORDER BY created_at DESC, id DESC LIMIT :limit"
)
SET_CANCEL_REQUESTED = (
    "UPDATE backtest_jobs SET cancel_requested_at = :now, updated_at = :now "
    "WHERE id = :id AND state = 'running' AND cancel_requested_at IS NULL"
)
# `{lock}` is the dialect's row-lock clause (FOR UPDATE SKIP LOCKED on PostgreSQL). A job handed back
# after a store failure waits out its backoff (`retry_not_before`).
SELECT_CLAIMABLE = (
    f"SELECT {JOB_COLUMNS} FROM backtest_jobs WHERE {ACTIVE} AND executor = :executor "
    "AND (state = 'queued' OR lease_expires_at <= :now) "
    "AND (retry_not_before IS NULL OR retry_not_before <= :now) ORDER BY created_at, id LIMIT 1 {lock}"
)
CLAIM = (
    "UPDATE backtest_jobs SET state = 'running', attempt = attempt + 1, lease_owner = :worker_id, "
    "lease_expires_at = :expires, heartbeat_at = :now, started_at = COALESCE(started_at, :now), "
    f"retry_not_before = NULL, updated_at = :now WHERE id = :id RETURNING {JOB_COLUMNS}"
)
# `{guard}` narrows the end transition further (e.g. to the lease holder).
END_JOB = (
    "UPDATE backtest_jobs SET state = :state, finished_at = :now, updated_at = :now, lease_owner = NULL, "
    "lease_expires_at = NULL, error_json = :error_json, "
    "cancel_requested_at = COALESCE(cancel_requested_at, :cancel_at) "
    f"WHERE id = :id AND {ACTIVE}{{guard}}"
)
DELETE_CHECKPOINT = "DELETE FROM backtest_job_checkpoints WHERE job_id = :id"
HEARTBEAT = f"UPDATE backtest_jobs SET lease_expires_at = :expires, heartbeat_at = :now WHERE id = :id AND {LEASE_HELD}"
UPDATE_PROGRESS = (
    "UPDATE backtest_jobs SET stage = :stage, processed = :processed, total = :total, updated_at = :now "
    f"WHERE id = :id AND {LEASE_HELD}"
)
SELECT_HELD = "SELECT cancel_requested_at FROM backtest_jobs WHERE id = :id AND " + LEASE_HELD + " {lock}"
# The hand-back spends no attempt; after a store failure it also counts a retry and sets the backoff.
RELEASE = (
    "UPDATE backtest_jobs SET state = 'queued', attempt = attempt - 1, lease_owner = NULL, "
    "lease_expires_at = NULL, store_retries = store_retries + :store_retry, retry_not_before = :not_before, "
    "updated_at = :now WHERE id = :id"
)
UPSERT_CHECKPOINT = (
    "INSERT INTO backtest_job_checkpoints (job_id, checkpoint_json, updated_at) VALUES (:id, :checkpoint, :now) "
    "ON CONFLICT (job_id) DO UPDATE SET checkpoint_json = excluded.checkpoint_json, updated_at = excluded.updated_at"
)
SELECT_CHECKPOINT = "SELECT checkpoint_json FROM backtest_job_checkpoints WHERE job_id = :id"
# Rows whose content did not change are left untouched: less write amplification per snapshot.
UPSERT_TOP_ROW = (
    f"INSERT INTO backtest_job_top_variants (job_id, {TOP_COLUMNS}) VALUES (:id, :rank, :variant_key, "
    ":indicator_variant_key, :variant_index, :total_return_pct, :ranking_metrics_json, :payload_json, "
    ":validation_json, :same_outcome_json) "
    "ON CONFLICT (job_id, rank) DO UPDATE SET variant_key = excluded.variant_key, "
    "indicator_variant_key = excluded.indicator_variant_key, variant_index = excluded.variant_index, "
    "total_return_pct = excluded.total_return_pct, ranking_metrics_json = excluded.ranking_metrics_json, "
    "payload_json = excluded.payload_json, validation_json = excluded.validation_json, "
    "same_outcome_json = excluded.same_outcome_json "
    "WHERE backtest_job_top_variants.variant_key <> excluded.variant_key "
    "OR backtest_job_top_variants.variant_index <> excluded.variant_index "
    "OR backtest_job_top_variants.total_return_pct <> excluded.total_return_pct "
    "OR backtest_job_top_variants.ranking_metrics_json <> excluded.ranking_metrics_json "
    "OR backtest_job_top_variants.payload_json <> excluded.payload_json "
    "OR backtest_job_top_variants.validation_json <> excluded.validation_json "
    "OR backtest_job_top_variants.same_outcome_json IS DISTINCT FROM excluded.same_outcome_json"
)
SET_CONSTRAINT_REJECTIONS = "UPDATE backtest_jobs SET constraint_rejections_json = :rejections WHERE id = :id"
DELETE_TOP_TAIL = "DELETE FROM backtest_job_top_variants WHERE job_id = :id AND rank > :count"
UPSERT_VALIDATION = (
    "INSERT INTO backtest_job_validation (job_id, validation_json, updated_at) VALUES (:id, :validation, :now) "
    "ON CONFLICT (job_id) DO UPDATE SET validation_json = excluded.validation_json, updated_at = excluded.updated_at"
)
SELECT_VALIDATION = "SELECT validation_json FROM backtest_job_validation WHERE job_id = :id"
SELECT_JOB_EXISTS = "SELECT 1 FROM backtest_jobs WHERE id = :id AND owner_user_id = :owner"
SELECT_TOP = f"SELECT {TOP_COLUMNS} FROM backtest_job_top_variants WHERE job_id = :id ORDER BY rank LIMIT :limit"
SELECT_CANCEL_FLAG = "SELECT cancel_requested_at IS NOT NULL OR state = 'cancelled' FROM backtest_jobs WHERE id = :id"
SELECT_APPLIED_MIGRATIONS = "SELECT version FROM schema_migrations"
INSERT_APPLIED_MIGRATION = (
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :applied_at)"
)
