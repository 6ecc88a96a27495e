"""The job worker process: claims queued backtest jobs and runs them to an end state."""
