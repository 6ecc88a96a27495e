"""Hand-computed cases of the two execution modes (realism.md section 1); the same numbers are the
worked examples of the engine doc."""

from __future__ import annotations

import pytest

from tests.unit.contexts.backtest.engine.close_fill_cases import exit_reasons, run_case
from trading.contexts.backtest.domain.value_objects.execution import RiskParams

CLOSE = [100.0, 100.0, 97.0, 99.0, 103.0, 104.0]
OPEN = [100.0, 100.0, 99.5, 97.0, 99.0, 103.0]
HIGH = [100.0, 100.5, 99.5, 99.5, 104.0, 104.0]
LOW = [100.0, 99.0, 96.0, 96.5, 99.0, 103.0]
LONG = [1, 1, 1, 1, 1, 1]


def test_intrabar_stop_loss_fills_at_the_level_not_at_the_close() -> None:
    at_close = run_case(CLOSE, LONG, RiskParams(sl_pct=2), (OPEN, HIGH, LOW))
    intrabar = run_case(CLOSE, LONG, RiskParams(sl_pct=2), (OPEN, HIGH, LOW), stop_mode="intrabar")
    assert at_close.trades.exit_price.tolist() == [97.0]  # close 97 <= 98: -3% for a 2% stop
    assert intrabar.trades.exit_price.tolist() == [98.0]  # low 96 touched 98 inside bar 2: exactly -2%
    assert exit_reasons(intrabar) == ["stop_loss"]
    assert intrabar.metrics.total_return_pct == pytest.approx(-2.0)


def test_intrabar_gap_through_the_level_fills_at_the_open() -> None:
    gap_open = [100.0, 100.0, 97.5, 97.0, 99.0, 103.0]
    details = run_case(CLOSE, LONG, RiskParams(sl_pct=2), (gap_open, HIGH, LOW), stop_mode="intrabar")
    assert details.trades.exit_price.tolist() == [97.5]


def test_intrabar_stop_loss_wins_when_one_bar_touches_both_levels() -> None:
    wide_high = [100.0, 100.5, 103.0, 99.5, 104.0, 104.0]
    both = run_case(CLOSE, LONG, RiskParams(sl_pct=2, tp_pct=2.5), (OPEN, wide_high, LOW), stop_mode="intrabar")
    assert exit_reasons(both) == ["stop_loss"]
    assert both.trades.exit_price.tolist() == [98.0]


def test_intrabar_short_take_profit_and_slippage_against_the_trader() -> None:
    details = run_case(
        CLOSE, [-1] * 6, RiskParams(tp_pct=3), (OPEN, HIGH, LOW), stop_mode="intrabar", slippage_pct=0.1
    )
    entry = 100.0 * (1 - 0.001)
    assert details.trades.entry_price[0] == pytest.approx(entry, rel=1e-15)
    assert exit_reasons(details) == ["take_profit"]
    assert details.trades.exit_price[0] == pytest.approx(entry * 0.97 * 1.001, rel=1e-15)


def test_intrabar_never_checks_the_close_fill_entry_bar() -> None:
    # The entry fills at close 0, so bar 1's range is the first one after it; bar 0's deep low is not.
    low = [90.0, 99.0, 99.0, 99.0, 99.0, 99.0]
    details = run_case([100.0] * 6, LONG, RiskParams(sl_pct=2), ([100.0] * 6, [100.0] * 6, low), stop_mode="intrabar")
    assert exit_reasons(details) == ["end_of_data"]


def test_next_open_fills_decisions_at_the_following_open() -> None:
    signal = [0, 1, 1, 0, 0, 0]
    details = run_case(CLOSE, signal, None, (OPEN, HIGH, LOW), fill="next_open")
    trades = details.trades
    assert (trades.entry_signal_bar.tolist(), trades.entry_bar.tolist(), trades.exit_bar.tolist()) == ([1], [2], [4])
    assert (trades.entry_price.tolist(), trades.exit_price.tolist()) == ([99.5], [99.0])
    assert exit_reasons(details) == ["signal"]
    # Equity: flat through the decision close, in position at closes 2 and 3, flat after the exit open.
    assert details.equity.tolist()[:2] == [1000.0, 1000.0]
    assert details.equity[2] == pytest.approx(1000.0 / 99.5 * 97.0)
    assert details.equity[4] == pytest.approx(1000.0 / 99.5 * 99.0)


def test_next_open_reversal_exits_and_enters_at_one_open_with_two_fees() -> None:
    details = run_case(CLOSE, [1, 1, -1, -1, -1, -1], None, (OPEN, HIGH, LOW), fill="next_open", fee_pct=0.1)
    trades = details.trades
    assert trades.entry_bar.tolist() == [1, 3]
    assert trades.exit_bar.tolist() == [3, 5]
    assert exit_reasons(details) == ["reverse", "end_of_data"]
    assert trades.exit_price[0] == trades.entry_price[1] == 97.0
    assert trades.exit_fee[0] > 0 and trades.entry_fee[1] > 0


def test_next_open_decision_on_the_last_bar_closes_at_that_close_and_opens_nothing() -> None:
    exit_last = run_case(CLOSE, [0, 1, 1, 1, 1, 0], None, (OPEN, HIGH, LOW), fill="next_open")
    assert exit_last.trades.exit_bar.tolist() == [5]
    assert exit_last.trades.exit_price.tolist() == [104.0]
    enter_last = run_case(CLOSE, [0, 0, 0, 0, 0, 1], None, (OPEN, HIGH, LOW), fill="next_open")
    assert len(enter_last.trades) == 0
    enter_before_last = run_case(CLOSE, [0, 0, 0, 0, 1, 1], None, (OPEN, HIGH, LOW), fill="next_open")
    assert enter_before_last.trades.entry_price.tolist() == [103.0]
    assert exit_reasons(enter_before_last) == ["end_of_data"]


def test_next_open_with_intrabar_checks_the_fill_bar_itself() -> None:
    # Decision at close 1, fill at open 2 (99.5): bar 2's low 96 is after the fill and hits the 2% stop.
    details = run_case(
        CLOSE, [0, 1, 1, 1, 1, 1], RiskParams(sl_pct=2), (OPEN, HIGH, LOW), stop_mode="intrabar", fill="next_open"
    )
    assert details.trades.exit_bar.tolist() == [2]
    assert details.trades.exit_price[0] == pytest.approx(99.5 * 0.98, rel=1e-15)


def test_next_open_close_stop_decided_at_a_close_fills_at_the_next_open() -> None:
    details = run_case(CLOSE, LONG, RiskParams(sl_pct=2), (OPEN, HIGH, LOW), fill="next_open")
    # Entry decided at close 0, filled at open 1 (100); close 2 (97) <= 98 decides, open 3 (97) fills.
    assert (details.trades.exit_bar.tolist(), details.trades.exit_price.tolist()) == ([3], [97.0])
    assert exit_reasons(details) == ["stop_loss"]
