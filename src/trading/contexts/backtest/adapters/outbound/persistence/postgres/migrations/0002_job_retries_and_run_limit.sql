-- Passing store failures hand a job back for a later retry (with backoff) instead of failing it;
-- a job may carry its own run-time limit.
ALTER TABLE backtest_jobs ADD COLUMN store_retries integer NOT NULL DEFAULT 0;
ALTER TABLE backtest_jobs ADD COLUMN retry_not_before timestamptz;
ALTER TABLE backtest_jobs ADD COLUMN max_run_seconds double precision CHECK (max_run_seconds > 0);
