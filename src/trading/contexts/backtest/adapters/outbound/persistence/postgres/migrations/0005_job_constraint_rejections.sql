-- A constrained search's rejection counts per constraint ([{constraint, stage_a, stage_b}]), written
-- with each top snapshot; NULL for searches without constraints and for jobs stored before this column.
ALTER TABLE backtest_jobs ADD COLUMN constraint_rejections_json jsonb;
