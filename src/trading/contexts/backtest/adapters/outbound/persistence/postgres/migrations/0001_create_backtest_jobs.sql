-- Jobs, their live top table and their resume checkpoint.
CREATE TABLE backtest_jobs (
    id uuid PRIMARY KEY,
    owner_user_id text NOT NULL,
    state text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    request_json jsonb NOT NULL,
    request_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    stage text,
    processed bigint NOT NULL DEFAULT 0,
    total bigint NOT NULL DEFAULT 0,
    attempt integer NOT NULL DEFAULT 0,
    lease_owner text,
    lease_expires_at timestamptz,
    heartbeat_at timestamptz,
    cancel_requested_at timestamptz,
    error_json jsonb
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
    job_id uuid NOT NULL REFERENCES backtest_jobs (id) ON DELETE CASCADE,
    rank integer NOT NULL CHECK (rank >= 1),
    variant_key text NOT NULL,
    indicator_variant_key text NOT NULL,
    variant_index bigint NOT NULL,
    total_return_pct double precision NOT NULL,
    ranking_metrics_json jsonb NOT NULL,
    payload_json jsonb NOT NULL,
    PRIMARY KEY (job_id, rank)
);

CREATE TABLE backtest_job_checkpoints (
    job_id uuid PRIMARY KEY REFERENCES backtest_jobs (id) ON DELETE CASCADE,
    checkpoint_json text NOT NULL,  -- opaque to SQL; Python JSON so inf/NaN survive
    updated_at timestamptz NOT NULL
);
