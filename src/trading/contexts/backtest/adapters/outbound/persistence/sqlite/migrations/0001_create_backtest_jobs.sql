-- Jobs, their live top table and their resume checkpoint.
-- Timestamps are fixed-width UTC ISO-8601 text (microseconds), so text order is time order.
CREATE TABLE backtest_jobs (
    id text PRIMARY KEY,
    owner_user_id text NOT NULL,
    state text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    request_json text NOT NULL,
    request_hash text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    started_at text,
    finished_at text,
    stage text,
    processed integer NOT NULL DEFAULT 0,
    total integer NOT NULL DEFAULT 0,
    attempt integer NOT NULL DEFAULT 0,
    lease_owner text,
    lease_expires_at text,
    heartbeat_at text,
    cancel_requested_at text,
    error_json text
);

-- Listing a user's jobs newest first (keyset on created_at, id).
CREATE INDEX backtest_jobs_owner_created_idx ON backtest_jobs (owner_user_id, created_at DESC, id DESC);
-- The quota count of a user's active jobs.
CREATE INDEX backtest_jobs_owner_active_idx ON backtest_jobs (owner_user_id)
    WHERE state IN ('queued', 'running');
-- The claim scan: oldest active job first.
CREATE INDEX backtest_jobs_claimable_idx ON backtest_jobs (created_at, id)
    WHERE state IN ('queued', 'running');

CREATE TABLE backtest_job_top_variants (
    job_id text NOT NULL REFERENCES backtest_jobs (id) ON DELETE CASCADE,
    rank integer NOT NULL CHECK (rank >= 1),
    variant_key text NOT NULL,
    indicator_variant_key text NOT NULL,
    variant_index integer NOT NULL,
    total_return_pct real NOT NULL,
    ranking_metrics_json text NOT NULL,
    payload_json text NOT NULL,
    PRIMARY KEY (job_id, rank)
);

CREATE TABLE backtest_job_checkpoints (
    job_id text PRIMARY KEY REFERENCES backtest_jobs (id) ON DELETE CASCADE,
    checkpoint_json text NOT NULL,
    updated_at text NOT NULL
);
