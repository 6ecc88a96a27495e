"""Property test: the numba state machine makes the same trades as the literal Python model of the
spec, with the same pnl, exit prices and equity up to rounding, in every stop mode x fill mode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.contexts.backtest.engine.close_fill_cases import exit_reasons, random_bar_range
from tests.unit.contexts.backtest.engine.reference_close_fill import reference_close_fill
from trading.contexts.backtest.application.services.close_fill_scorer_v1 import score_variant_with_details
from trading.contexts.backtest.domain.value_objects.execution import ExecutionParams, FillModeName, RiskParams

stop_pct = st.one_of(st.none(), st.floats(min_value=0.3, max_value=8.0))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    n_bars=st.integers(min_value=1, max_value=120),
    sl_pct=stop_pct,
    tp_pct=stop_pct,
    direction_mode=st.sampled_from(["long_only", "short_only", "long_short"]),
    sizing_mode=st.sampled_from(["all_in", "fixed_quote", "strategy_compound_profit_lock"]),
    fee_pct=st.sampled_from([0.0, 0.075, 0.4]),
    slippage_pct=st.sampled_from([0.0, 0.05]),
    stop_mode=st.sampled_from(["close", "intrabar"]),
    fill=st.sampled_from(["close", "next_open"]),
)
def test_engine_trades_like_the_reference_model(
    seed: int,
    n_bars: int,
    sl_pct: float | None,
    tp_pct: float | None,
    direction_mode: str,
    sizing_mode: str,
    fee_pct: float,
    slippage_pct: float,
    stop_mode: str,
    fill: str,
) -> None:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n_bars)))
    bar_range = random_bar_range(rng, close)
    signal = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=n_bars, p=[0.35, 0.2, 0.45])
    signal = np.where(rng.random(n_bars) < 0.5, np.roll(signal, 1), signal).astype(np.int8)
    risk = RiskParams(sl_pct, tp_pct)
    execution = ExecutionParams(
        direction_mode=direction_mode,  # type: ignore[arg-type]
        sizing_mode=sizing_mode,  # type: ignore[arg-type]
        fixed_quote=2_500.0,
        fee_pct=fee_pct,
        slippage_pct=slippage_pct,
        stop_mode=stop_mode,  # type: ignore[arg-type]
        fill=fill,  # type: ignore[arg-type]
    )
    expected = reference_close_fill(close, signal, risk, execution, bar_range)
    ts_ms = np.arange(n_bars, dtype=np.int64)
    details = score_variant_with_details(ts_ms, close, signal, risk, execution, bar_range)
    trades = details.trades
    columns = (trades.entry_bar.tolist(), trades.exit_bar.tolist(), trades.side.tolist(), exit_reasons(details))
    actual = list(zip(*columns, strict=True))
    assert actual == expected.trades
    np.testing.assert_allclose(trades.net_pnl, expected.net_pnl, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(trades.exit_price, expected.exit_price, rtol=1e-12)
    np.testing.assert_allclose(details.equity, expected.equity, rtol=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fill", ["close", "next_open"])
def test_intrabar_block_skipping_trades_like_the_reference_on_long_holds(seed: int, fill: FillModeName) -> None:
    """Positions held for hundreds of bars with stops a few percent away: the engine reads a bar's high
    and low only when its 16-bar block's extremes reach a level, and still stops on the very bar the
    per-bar model does (touches land anywhere inside and at the edges of blocks)."""
    rng = np.random.default_rng(seed)
    n_bars = 3_000
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.004, n_bars)))
    bar_range = random_bar_range(rng, close)
    signal = np.repeat(rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=n_bars // 300), 300)
    risk = RiskParams(float(rng.uniform(1.0, 4.0)), float(rng.uniform(2.0, 6.0)))
    execution = ExecutionParams(
        direction_mode="long_short", fee_pct=0.075, slippage_pct=0.01, stop_mode="intrabar", fill=fill
    )
    expected = reference_close_fill(close, signal, risk, execution, bar_range)
    details = score_variant_with_details(np.arange(n_bars, dtype=np.int64), close, signal, risk, execution, bar_range)
    trades = details.trades
    actual = list(
        zip(
            trades.entry_bar.tolist(),
            trades.exit_bar.tolist(),
            trades.side.tolist(),
            exit_reasons(details),
            strict=True,
        )
    )
    assert actual == expected.trades
    assert sum(reason in ("stop_loss", "take_profit") for *_, reason in actual) >= 3
    np.testing.assert_allclose(trades.exit_price, expected.exit_price, rtol=1e-12)
    np.testing.assert_allclose(details.equity, expected.equity, rtol=1e-9)
