"""Hand-computed golden cases, one per execution rule of the close-fill state machine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.unit.contexts.backtest.engine.close_fill_cases import exit_reasons, run_case
from trading.contexts.backtest.domain.value_objects.execution import RiskParams


def test_entry_on_edge_from_the_implicit_neutral_bar_and_forced_close() -> None:
    details = run_case([10, 10, 11, 12, 12], [1, 1, 1, 1, 1])
    trades = details.trades
    assert (trades.entry_bar.tolist(), trades.exit_bar.tolist()) == ([0], [4])
    assert trades.qty[0] == pytest.approx(100.0)
    assert trades.net_pnl[0] == pytest.approx(200.0)
    assert exit_reasons(details) == ["end_of_data"]
    assert details.metrics.total_return_pct == pytest.approx(20.0)
    np.testing.assert_allclose(details.equity, [1000, 1000, 1100, 1200, 1200])


def test_neutral_closes_the_position() -> None:
    details = run_case([10, 12, 11, 13], [1, 1, 0, 0])
    assert details.trades.exit_bar.tolist() == [2]
    assert exit_reasons(details) == ["signal"]
    assert details.metrics.total_return_pct == pytest.approx(10.0)
    assert details.metrics.max_drawdown_pct == pytest.approx((1 - 1100 / 1200) * 100)


def test_stop_loss_exit_and_no_reentry_while_signal_persists() -> None:
    details = run_case([100, 100, 94, 96, 98, 99], [1, 1, 1, 1, 1, 1], RiskParams(sl_pct=5))
    assert len(details.trades) == 1
    assert exit_reasons(details) == ["stop_loss"]
    assert details.trades.exit_bar.tolist() == [2]
    assert details.metrics.total_return_pct == pytest.approx(-6.0)
    assert details.metrics.max_drawdown_pct == pytest.approx(6.0)
    assert details.metrics.profit_factor == 0.0


def test_take_profit_exit_gives_infinite_profit_factor_and_romd() -> None:
    details = run_case([100, 103, 106, 104], [1, 1, 1, 1], RiskParams(tp_pct=5))
    assert exit_reasons(details) == ["take_profit"]
    assert details.trades.exit_price.tolist() == [106.0]
    assert details.metrics.total_return_pct == pytest.approx(6.0)
    assert details.metrics.max_drawdown_pct == 0.0
    assert details.metrics.return_over_max_drawdown == math.inf
    assert details.metrics.profit_factor == math.inf


def test_stop_loss_wins_when_both_levels_are_crossed() -> None:
    # A negative take-profit puts the TP level below entry, so close 94 crosses both levels.
    both = run_case([100, 94, 94], [1, 1, 1], RiskParams(sl_pct=5, tp_pct=-10))
    assert exit_reasons(both) == ["stop_loss"]
    take_profit_only = run_case([100, 94, 94], [1, 1, 1], RiskParams(tp_pct=-10))
    assert exit_reasons(take_profit_only) == ["take_profit"]


def test_short_stops_are_mirrored() -> None:
    stopped = run_case([100, 100, 106, 90], [-1, -1, -1, -1], RiskParams(sl_pct=5, tp_pct=8))
    assert exit_reasons(stopped) == ["stop_loss"]
    assert stopped.trades.net_pnl[0] == pytest.approx(-60.0)
    profited = run_case([100, 100, 104, 92, 80], [-1, -1, -1, -1, -1], RiskParams(sl_pct=5, tp_pct=8))
    assert exit_reasons(profited) == ["take_profit"]
    assert profited.trades.exit_bar.tolist() == [3]
    assert profited.trades.net_pnl[0] == pytest.approx(80.0)


def test_position_opened_at_t_is_first_checked_at_t_plus_one() -> None:
    # The 1% slippage puts the entry fill at 101, so close 100 is already below the 0.5% stop level.
    details = run_case([100, 100, 100, 100], [0, 1, 1, 1], RiskParams(sl_pct=0.5), slippage_pct=1.0)
    assert details.trades.entry_bar.tolist() == [1]
    assert details.trades.exit_bar.tolist() == [2]
    assert exit_reasons(details) == ["stop_loss"]


def test_reversal_on_one_close_pays_two_fees() -> None:
    details = run_case([100, 100, 110, 110], [0, 1, -1, -1], fee_pct=0.1)
    trades = details.trades
    assert trades.side.tolist() == [1, -1]
    assert exit_reasons(details) == ["reverse", "end_of_data"]
    assert trades.entry_bar.tolist() == [1, 2]
    long_qty = 1000 / (100 * 1.001)
    long_exit_fee = long_qty * 110 * 0.001
    assert trades.qty[0] == pytest.approx(long_qty)
    assert trades.entry_fee[0] == pytest.approx(long_qty * 100 * 0.001)
    assert trades.exit_fee[0] == pytest.approx(long_exit_fee)
    available_after_long = 1000 + long_qty * 10 - long_qty * 100 * 0.001 - long_exit_fee
    short_qty = available_after_long / (110 * 1.001)
    assert trades.qty[1] == pytest.approx(short_qty)
    assert trades.entry_fee[1] == pytest.approx(short_qty * 110 * 0.001)
    final_equity = available_after_long - 2 * short_qty * 110 * 0.001
    assert details.equity[-1] == pytest.approx(final_equity)
    assert details.metrics.total_return_pct == pytest.approx((final_equity / 1000 - 1) * 100)


def test_forbidden_direction_is_exit_only() -> None:
    long_only = run_case([100, 100, 90, 80, 85, 90], [0, 1, -1, -1, 1, 1], direction_mode="long_only")
    assert long_only.trades.side.tolist() == [1, 1]
    assert exit_reasons(long_only) == ["signal", "end_of_data"]
    assert long_only.trades.entry_bar.tolist() == [1, 4]
    short_only = run_case([100, 100, 90, 80], [0, -1, 1, 1], direction_mode="short_only")
    assert short_only.trades.side.tolist() == [-1]
    assert exit_reasons(short_only) == ["signal"]
    assert short_only.trades.net_pnl[0] == pytest.approx(100.0)


def test_short_equity_is_entry_amount_plus_unrealized_pnl() -> None:
    details = run_case([100, 100, 80, 80], [0, -1, -1, 0], direction_mode="short_only")
    np.testing.assert_allclose(details.equity, [1000, 1000, 1200, 1200])
    assert details.trades.gross_pnl.tolist() == [200.0]


def test_profit_lock_moves_profit_to_safe_before_a_same_bar_reentry() -> None:
    details = run_case(
        [100, 100, 120, 120],
        [0, 1, -1, -1],
        sizing_mode="strategy_compound_profit_lock",
        safe_profit_percent=50.0,
    )
    assert details.trades.entry_amount.tolist() == pytest.approx([1000.0, 1100.0])
    np.testing.assert_allclose(details.equity, [1000, 1000, 1200, 1200])
    losing = run_case(
        [100, 100, 120, 120, 60, 60],
        [0, 1, 0, 1, 0, 0],
        sizing_mode="strategy_compound_profit_lock",
        safe_profit_percent=50.0,
    )
    # 200 profit locks 100; the next entry risks only 1100 and loses half of it.
    assert losing.trades.entry_amount.tolist() == pytest.approx([1000.0, 1100.0])
    assert losing.equity[-1] == pytest.approx(650.0)
    assert losing.metrics.total_return_pct == pytest.approx(-35.0)


def test_fixed_quote_caps_the_entry_amount() -> None:
    capped = run_case([100, 100, 110, 110], [0, 1, 1, 0], sizing_mode="fixed_quote", fixed_quote=300.0)
    assert capped.trades.qty.tolist() == pytest.approx([3.0])
    assert capped.metrics.total_return_pct == pytest.approx(3.0)
    short_of_cash = run_case(
        [100, 100, 110, 110], [0, 1, 1, 0], sizing_mode="fixed_quote", fixed_quote=300.0, init_cash_quote=200.0
    )
    assert short_of_cash.trades.qty.tolist() == pytest.approx([2.0])


def test_forced_close_applies_slippage_and_fee() -> None:
    details = run_case([100, 100, 100], [1, 1, 1], slippage_pct=1.0, fee_pct=0.1)
    trades = details.trades
    assert trades.entry_price.tolist() == pytest.approx([101.0])
    assert trades.exit_price.tolist() == pytest.approx([99.0])
    qty = 1000 / (101 * 1.001)
    assert trades.fees[0] == pytest.approx(qty * 101 * 0.001 + qty * 99 * 0.001)
    assert exit_reasons(details) == ["end_of_data"]


def test_no_entry_on_the_last_bar() -> None:
    details = run_case([100, 101, 102], [0, 0, 1])
    assert len(details.trades) == 0
    assert details.metrics.total_return_pct == 0.0
    assert details.metrics.max_drawdown_pct == 0.0
    assert details.metrics.return_over_max_drawdown == 0.0
    assert math.isnan(details.metrics.profit_factor)


def test_stop_then_new_edge_entry_on_the_same_bar() -> None:
    details = run_case([100, 100, 90, 85, 85], [0, 1, -1, -1, -1], RiskParams(sl_pct=5))
    assert exit_reasons(details) == ["stop_loss", "end_of_data"]
    assert details.trades.side.tolist() == [1, -1]
    assert details.trades.entry_bar.tolist() == [1, 2]
    assert details.trades.net_pnl.tolist() == pytest.approx([-100.0, 50.0])
    assert details.metrics.profit_factor == pytest.approx(0.5)


def test_negative_return_without_drawdown_gives_nan_romd() -> None:
    # The 1% entry fee at bar 0 sets the first peak below the initial cash.
    details = run_case([100, 102], [1, 1], fee_pct=1.0)
    assert details.metrics.max_drawdown_pct == 0.0
    assert details.metrics.total_return_pct < 0.0
    assert math.isnan(details.metrics.return_over_max_drawdown)


def test_zero_initial_cash_scores_nan_instead_of_raising() -> None:
    details = run_case([100, 101, 102], [1, 1, 1], init_cash_quote=0.0)
    assert len(details.trades) == 0
    assert math.isnan(details.metrics.total_return_pct)
    assert math.isnan(details.metrics.return_over_max_drawdown)
