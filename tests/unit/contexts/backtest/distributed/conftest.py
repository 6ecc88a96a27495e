from tests.unit.contexts.backtest.staged.conftest import backtest_ctx

__all__ = ["backtest_ctx"]
