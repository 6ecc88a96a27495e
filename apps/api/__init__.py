"""The HTTP API: one FastAPI app serving the backtest, jobs and catalog endpoints."""
