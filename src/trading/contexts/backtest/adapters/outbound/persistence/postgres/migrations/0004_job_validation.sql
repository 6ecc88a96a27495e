-- Validation figures of a job's rows (neighbourhood stability; out-of-sample metrics of a holdout run)
-- as one JSON object per row, and the job's validation report (holdout summary or walk-forward report)
-- in its own table, so job listings never load a walk-forward's stitched equity.
ALTER TABLE backtest_job_top_variants ADD COLUMN validation_json jsonb NOT NULL DEFAULT '{}';

CREATE TABLE backtest_job_validation (
    job_id uuid PRIMARY KEY REFERENCES backtest_jobs (id) ON DELETE CASCADE,
    validation_json jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);
