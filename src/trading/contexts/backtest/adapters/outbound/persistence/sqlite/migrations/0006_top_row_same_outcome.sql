-- A ranked row's same-outcome group ({count, members}) when the search collapsed same outcomes;
-- NULL for rows of searches that did not (and for rows written before the column existed).
ALTER TABLE backtest_job_top_variants ADD COLUMN same_outcome_json text;
