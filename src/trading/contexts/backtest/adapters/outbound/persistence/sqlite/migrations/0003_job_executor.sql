-- Where a job's shards run: 'local' (the worker's own process) or 'ray' (a cluster the worker drives).
-- A worker claims only jobs of its own executor.
ALTER TABLE backtest_jobs ADD COLUMN executor text NOT NULL DEFAULT 'local' CHECK (executor IN ('local', 'ray'));
