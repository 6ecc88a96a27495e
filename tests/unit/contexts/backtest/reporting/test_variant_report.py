"""Golden report table for a hand-computed two-trade variant on daily bars, plus the trade list,
the non-finite formatting and the equity downsampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_variant_with_details
from trading.contexts.backtest.application.services.report_table_formatter import ReportRow
from trading.contexts.backtest.application.services.reporting_service_v1 import build_variant_report
from trading.contexts.backtest.domain.entities.variant_score_details import VariantScoreDetails
from trading.contexts.backtest.domain.services.equity_downsampling import min_max_downsample_indices
from trading.contexts.backtest.domain.value_objects.execution import DirectionModeName, ExecutionParams, RiskParams

DAY_MS = 86_400_000
JAN_1_2024_MS = 1_704_067_200_000
EXECUTION = ExecutionParams(direction_mode="long_only", init_cash_quote=1000.0, fee_pct=0.0, slippage_pct=0.0)

# Long 10 @ 100 on day 1, out @ 99 on day 3 (NEUTRAL); long 10 @ 99 on day 4, forced out @ 121 on day 5.
# Equity: 1000, 1000, 1100, 990, 990, 1210.
CLOSE = np.array([100.0, 100.0, 110.0, 99.0, 99.0, 121.0])
SIGNAL = np.array([0, 1, 1, 0, 1, 1], dtype=np.int8)
TS_MS = JAN_1_2024_MS + np.arange(6, dtype=np.int64) * DAY_MS

EXPECTED_TEXT = [
    ("Start", "2024-01-01T00:00:00Z"),
    ("End", "2024-01-07T00:00:00Z"),
    ("Duration", "6d 00:00:00"),
    ("Init. Cash", "1,000.00"),
    ("Total Profit", "210.00"),
    ("Total Return [%]", "21.00"),
    ("Benchmark Return [%]", "21.00"),
    ("Position Coverage [%]", "83.33"),
    ("Max. Drawdown [%]", "10.00"),
    ("Avg. Drawdown [%]", "10.00"),
    ("Max. Drawdown Duration", "3d 00:00:00"),
    ("Avg. Drawdown Duration", "3d 00:00:00"),
    ("Num. Trades", "2"),
    ("Win Rate [%]", "50.00"),
    ("Best Trade [%]", "22.22"),
    ("Worst Trade [%]", "-1.00"),
    ("Avg. Trade [%]", "10.00"),
    ("Max. Trade Duration", "2d 00:00:00"),
    ("Avg. Trade Duration", "1d 12:00:00"),
    ("Expectancy [%]", "10.61"),
    ("SQN", "0.913"),
    # Held bars 1-5 (entry to exit, both included), each at notional / equity = 1.
    ("Gross Exposure", "0.833"),
]


def golden_report() -> dict[str, ReportRow]:
    details = score_variant_with_details(TS_MS, CLOSE, SIGNAL, RiskParams(), EXECUTION)
    report = build_variant_report(details, start_ms=JAN_1_2024_MS, end_ms=JAN_1_2024_MS + 6 * DAY_MS, bar_ms=DAY_MS)
    return {str(row["metric"]): row for row in report.rows}


def test_rows_are_in_spec_order_with_golden_text() -> None:
    rows = golden_report()
    assert list(rows)[: len(EXPECTED_TEXT)] == [name for name, _ in EXPECTED_TEXT]
    assert list(rows)[len(EXPECTED_TEXT) :] == ["Sharpe Ratio", "Sortino Ratio", "Calmar Ratio", "Annualisation [days]"]
    assert (rows["Annualisation [days]"]["value"], rows["Annualisation [days]"]["raw"]) == ("365", 365)
    assert {name: rows[name]["value"] for name, _ in EXPECTED_TEXT} == dict(EXPECTED_TEXT)


def test_raw_values_are_hand_computed() -> None:
    rows = golden_report()
    assert rows["Start"]["raw"] == JAN_1_2024_MS
    assert rows["Duration"]["raw"] == 6 * DAY_MS
    assert rows["Expectancy [%]"]["raw"] == pytest.approx((-1.0 + 220 / 990 * 100) / 2)
    assert rows["SQN"]["raw"] == pytest.approx(105 / 115)  # sqrt(2) * 105 / (115 * sqrt(2))
    assert rows["Avg. Trade [%]"]["raw"] == pytest.approx(10.0)  # sqrt(0.99 * 1210 / 990) - 1
    # Day-end equity 1000 -> 1210 over five daily returns; a 365-day year compounds 73 such stretches.
    daily = np.array([0.0, 0.1, -0.1, 0.0, 220 / 990])
    growth = 1.21 ** (1 / 5)  # 1 + the geometric mean daily return
    annual = 1.21**73 - 1
    volatility = math.sqrt((daily.var(ddof=1) + growth**2) ** 365 - growth**730)
    assert rows["Sharpe Ratio"]["raw"] == pytest.approx(annual / volatility, rel=1e-9)
    assert rows["Sortino Ratio"]["raw"] == pytest.approx(annual / (math.sqrt(0.01 / 5) * math.sqrt(365)), rel=1e-9)
    assert rows["Calmar Ratio"]["raw"] == pytest.approx(annual / 0.1, rel=1e-9)


def test_markdown_table_and_trades() -> None:
    details = score_variant_with_details(TS_MS, CLOSE, SIGNAL, RiskParams(), EXECUTION)
    report = build_variant_report(details, start_ms=JAN_1_2024_MS, end_ms=JAN_1_2024_MS + 6 * DAY_MS, bar_ms=DAY_MS)
    lines = report.table_md.splitlines()
    assert lines[:3] == ["| Metric | Value |", "|---|---:|", "| Start | 2024-01-01T00:00:00Z |"]
    assert len(lines) == 2 + len(report.rows)
    assert report.trades is not None
    assert report.trades[1] == {
        # filled at the close of bars 4 and 5: one day after their open times
        "entry_time": "2024-01-06T00:00:00Z",
        "exit_time": "2024-01-07T00:00:00Z",
        "entry_bar": 4,
        "exit_bar": 5,
        "side": "long",
        "entry_price": 99.0,
        "exit_price": 121.0,
        "qty": pytest.approx(10.0),
        "fees": 0.0,
        "gross_pnl": pytest.approx(220.0),
        "net_pnl": pytest.approx(220.0),
        "return_pct": pytest.approx(220 / 990 * 100),
        "exit_reason": "end_of_data",
        "entry_signal_bar": 4,
    }
    assert report.trades[0]["exit_reason"] == "signal"
    limited = build_variant_report(details, start_ms=0, end_ms=DAY_MS, bar_ms=DAY_MS, trades_limit=1)
    assert limited.trades is not None and len(limited.trades) == 1
    assert build_variant_report(details, start_ms=0, end_ms=DAY_MS, bar_ms=DAY_MS, include_trades=False).trades is None
    assert report.equity == {
        "ts_ms": (TS_MS + DAY_MS).tolist(),  # equity is taken at each bar's close
        "equity": pytest.approx([1000, 1000, 1100, 990, 990, 1210]),
        # buy & hold of the 1,000 init cash at the first close (100), no costs
        "benchmark": pytest.approx([1000, 1000, 1100, 990, 990, 1210]),
    }


def test_no_trades_prints_na_and_null_raw() -> None:
    details = score_variant_with_details(TS_MS, CLOSE, np.zeros(6, dtype=np.int8), RiskParams(), EXECUTION)
    rows = {
        str(row["metric"]): row
        for row in build_variant_report(
            details, start_ms=JAN_1_2024_MS, end_ms=JAN_1_2024_MS + DAY_MS, bar_ms=DAY_MS
        ).rows
    }
    for name in ("Win Rate [%]", "Best Trade [%]", "SQN", "Max. Trade Duration"):
        assert (rows[name]["value"], rows[name]["raw"]) == ("n/a", None)
    assert (rows["Num. Trades"]["value"], rows["Num. Trades"]["raw"]) == ("0", 0)
    assert rows["Total Return [%]"]["raw"] == 0.0


def test_flat_equity_beside_a_moving_buy_and_hold_benchmark() -> None:
    details = score_variant_with_details(TS_MS, CLOSE, np.zeros(6, dtype=np.int8), RiskParams(), EXECUTION)
    equity = build_variant_report(details, start_ms=JAN_1_2024_MS, end_ms=JAN_1_2024_MS + DAY_MS, bar_ms=DAY_MS).equity
    assert equity["equity"] == [1000.0] * 6
    assert equity["benchmark"] == pytest.approx([1000, 1000, 1100, 990, 990, 1210])


def test_infinite_ratio_prints_inf() -> None:
    rising = np.array([100.0, 100.0, 101.0, 102.0, 103.0, 104.0])
    details = score_variant_with_details(TS_MS, rising, np.ones(6, dtype=np.int8), RiskParams(), EXECUTION)
    rows = {
        str(row["metric"]): row for row in build_variant_report(details, start_ms=0, end_ms=DAY_MS, bar_ms=DAY_MS).rows
    }
    assert (rows["Sortino Ratio"]["value"], rows["Sortino Ratio"]["raw"]) == ("inf", None)
    assert (rows["Calmar Ratio"]["value"], rows["Calmar Ratio"]["raw"]) == ("inf", None)


def test_downsampling_keeps_extremes_and_endpoints_within_budget() -> None:
    rng = np.random.default_rng(3)
    equity = 1000 + np.cumsum(rng.normal(0, 1, 100_000))
    keep = min_max_downsample_indices(equity, 2000)
    assert keep.shape[0] <= 2000
    assert keep[0] == 0 and keep[-1] == equity.shape[0] - 1
    assert np.all(np.diff(keep) > 0)
    assert int(np.argmin(equity)) in keep and int(np.argmax(equity)) in keep
    np.testing.assert_array_equal(keep, min_max_downsample_indices(equity, 2000))
    np.testing.assert_array_equal(min_max_downsample_indices(equity[:50], 2000), np.arange(50))


# One rule per metric (issue 11, item 6): the cases that used to disagree.


def report_of(close: list[float], signal: list[int]) -> tuple[dict[str, ReportRow], VariantScoreDetails]:
    ts_ms = TS_MS[: len(close)]
    execution = ExecutionParams(direction_mode="long_only", init_cash_quote=close[0], fee_pct=0.0, slippage_pct=0.0)
    details = score_variant_with_details(
        ts_ms, np.array(close), np.array(signal, dtype=np.int8), RiskParams(), execution
    )
    report = build_variant_report(details, start_ms=int(ts_ms[0]), end_ms=int(ts_ms[-1]) + DAY_MS, bar_ms=DAY_MS)
    return {str(row["metric"]): row for row in report.rows}, details


def test_coverage_and_exposure_count_the_same_held_bars() -> None:
    rows, details = report_of([100.0, 110.0, 120.0, 130.0], [1, 1, 1, 1])
    assert rows["Position Coverage [%]"]["raw"] == 100.0 == details.metrics.position_coverage_pct
    assert rows["Gross Exposure"]["raw"] == pytest.approx(1.0)


def test_a_dip_on_the_last_bar_is_a_drawdown() -> None:
    rows, details = report_of([100.0, 120.0, 110.0, 120.0, 90.0], [1, 1, 1, 1, 1])
    assert details.equity.tolist() == pytest.approx([100, 120, 110, 120, 90])
    assert rows["Max. Drawdown [%]"]["raw"] == pytest.approx(25.0)
    assert rows["Avg. Drawdown [%]"]["raw"] == pytest.approx((10 / 120 * 100 + 25.0) / 2)
    # Peak bar 1 -> back at the peak on bar 3 (2 bars); peak bar 3 -> still down at the last bar (1 bar).
    assert details.metrics.max_drawdown_duration_bars == 2.0
    assert rows["Max. Drawdown Duration"]["raw"] == 2 * DAY_MS
    assert rows["Avg. Drawdown Duration"]["raw"] == 1.5 * DAY_MS


def test_flat_equity_has_zero_drawdown_and_zero_risk_adjusted_returns() -> None:
    rows, details = report_of([100.0, 100.0, 110.0, 99.0, 99.0, 121.0], [0, 0, 0, 0, 0, 0])
    for name in ("Max. Drawdown [%]", "Avg. Drawdown [%]", "Max. Drawdown Duration", "Avg. Drawdown Duration"):
        assert rows[name]["raw"] == 0
    for name in ("Sharpe Ratio", "Sortino Ratio", "Calmar Ratio"):
        assert (rows[name]["value"], rows[name]["raw"]) == ("0.000", 0.0)
    assert details.metrics.max_drawdown_duration_bars == 0.0
    assert details.metrics.position_coverage_pct == 0.0


def test_a_steady_gain_has_infinite_risk_adjusted_returns() -> None:
    """Zero risk (std, downside, drawdown) with a gain: +inf for Sharpe, Sortino and Calmar alike."""
    rows, _ = report_of([100.0, 110.0, 121.0, 133.1, 146.41], [1, 1, 1, 1, 1])
    for name in ("Sortino Ratio", "Calmar Ratio"):
        assert (rows[name]["value"], rows[name]["raw"]) == ("inf", None)
    sharpe = rows["Sharpe Ratio"]["raw"]
    assert sharpe is None or float(sharpe) > 1e6  # the daily returns differ only by rounding


@pytest.mark.parametrize(
    ("close", "direction"),
    [([100.0, 100.0, 0.0, 50.0, 60.0], "long_only"), ([100.0, 100.0, 250.0, 200.0, 190.0], "short_only")],
    ids=["a -100% day", "below zero"],
)
def test_a_day_end_at_or_below_zero_equity_leaves_the_daily_ratios_undefined(
    close: list[float], direction: DirectionModeName
) -> None:
    """No geometric mean daily growth exists once equity reaches zero (a -100% day) or goes below it
    (a short that lost more than its cash): Sharpe, Sortino and Calmar are NaN, ranked after every
    defined value. backtesting.py takes 0 there, which would rank a wiped-out account with a flat one."""
    execution = ExecutionParams(direction_mode=direction, init_cash_quote=100.0, fee_pct=0.0, slippage_pct=0.0)
    signal = np.array([0, 1, 1, 1, 1] if direction == "long_only" else [0, -1, -1, -1, -1], dtype=np.int8)
    details = score_variant_with_details(TS_MS[:5], np.array(close), signal, RiskParams(), execution)
    assert details.equity.min() <= 0.0 < details.equity[0]
    ratios = (details.metrics.sharpe_ratio, details.metrics.sortino_ratio, details.metrics.calmar_ratio)
    assert all(math.isnan(value) for value in ratios)
