"""Walk-forward on a planted regime: a triangle wave (60 bars up 2%, 60 down) with a small bar-to-bar
zig-zag, where SMA(3) beats every other window on every day. Each fold must pick it, fold choices must
not move when bars after the fold's train window change, and the stitched record must compound the
folds' test windows."""

from pathlib import Path

import numpy as np
import pytest

from tests.unit.contexts.backtest.staged.conftest import START_MS
from trading.contexts.backtest.application.dto.run_backtest import (
    RunBacktestRequest,
    TimeRange,
    VariantPayload,
    VariantReportRequest,
)
from trading.contexts.backtest.application.dto.validation import WalkForwardReport
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext, build_variant_report
from trading.contexts.backtest.application.use_cases.run_walk_forward import run_search
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.shared.errors import DomainError

DAY = 1440
WINDOWS = [2, 3, 4, 6, 9, 14, 20]


def write_planted(store: CandleStore, first_bar: int, n_bars: int, zigzag: float) -> None:
    """1m bars from START_MS + first_bar minutes; with zigzag 0.0004 SMA(3) wins, with 0.0015 SMA(14) does."""
    t = np.arange(first_bar, first_bar + n_bars)
    triangle = np.abs((t % 120) - 60) / 60.0
    close = 100.0 * np.exp(0.02 * (1.0 - triangle) + zigzag * np.where(t % 2 == 0, 1.0, -1.0))
    open_ = np.r_[close[0], close[:-1]]
    store.write_1m(
        "1:BTCUSDT",
        START_MS + t * 60_000,
        open_,
        np.maximum(open_, close),
        np.minimum(open_, close),
        close,
        np.ones(n_bars),
    )


def planted_ctx(
    directory: Path, backtest_ctx: BacktestContext, *, later_zigzag_from: int | None = None
) -> BacktestContext:
    store = CandleStore(directory)
    write_planted(store, 0, 6 * DAY, 0.0004)
    if later_zigzag_from is not None:
        write_planted(store, later_zigzag_from, 6 * DAY - later_zigzag_from, 0.0015)
    return BacktestContext(str(directory), backtest_ctx.config)


def wf_request(**validation: object) -> RunBacktestRequest:
    return RunBacktestRequest.model_validate(
        {
            "instrument_id": "1:BTCUSDT",
            "timeframe": "1m",
            "time_range": {"start": "2024-01-01T00:00:00Z", "end": "2024-01-06T00:00:00Z"},
            "warmup_bars": 30,
            "indicators": [{"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": WINDOWS}}}],
            "execution": {"direction_mode": "long_short", "fee_pct": 0.01, "slippage_pct": 0.0},
            "top_k": 3,
            "validation": {"mode": "walk_forward", "folds": 4, "train": DAY, "test": DAY, **validation},
        }
    )


def _report(response) -> WalkForwardReport:
    assert isinstance(response.validation, WalkForwardReport)
    return response.validation


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, backtest_ctx: BacktestContext):
    ctx = planted_ctx(tmp_path_factory.mktemp("planted"), backtest_ctx)
    return ctx, _report(run_search(wf_request(), ctx))


def test_every_fold_picks_the_planted_window(planted) -> None:
    _, report = planted
    assert [fold.params for fold in report.folds] == [{"ma.sma.window": 3}] * 4
    assert report.parameter_frequencies == {"ma.sma.window": {"3": 4}}
    assert [(f.train_start.day, f.train_end.day, f.test_start.day, f.test_end.day) for f in report.folds] == [
        (1, 2, 2, 3),
        (2, 3, 3, 4),
        (3, 4, 4, 5),
        (4, 5, 5, 6),
    ]
    assert all(fold.out_of_sample["total_return_pct"] > 40 for fold in report.folds)
    assert report.efficiency == pytest.approx(1.0, abs=0.05)


def test_fold_oos_metrics_equal_a_report_on_the_test_window(planted) -> None:
    ctx, report = planted
    request = wf_request()
    for fold in report.folds:
        context = request.run_context().model_copy(
            update={"time_range": TimeRange(start=fold.test_start, end=fold.test_end)}
        )
        variant = VariantPayload.model_validate(fold.payload)
        direct = build_variant_report(
            VariantReportRequest(run_context=context, variant=variant, include_trades=False), ctx
        )
        assert fold.out_of_sample == direct.ranking_metrics


def test_stitched_record_compounds_the_test_windows(planted) -> None:
    _, report = planted
    growth = np.prod([1 + f.out_of_sample["total_return_pct"] / 100 for f in report.folds])
    assert report.stitched_metrics["total_return_pct"] == pytest.approx((growth - 1) * 100, rel=1e-9)
    worst_fold_drawdown = max(f.out_of_sample["max_drawdown_pct"] for f in report.folds)
    assert report.stitched_metrics["max_drawdown_pct"] >= worst_fold_drawdown - 1e-9
    equity = report.stitched_equity["equity"]
    assert equity[-1] == pytest.approx(10_000 * growth, rel=1e-9)
    rows = {row["metric"]: row for row in report.stitched_rows}
    assert rows["Total Return [%]"]["raw"] == report.stitched_metrics["total_return_pct"]


@pytest.mark.parametrize("anchored", [False, True])
def test_changing_bars_after_a_folds_train_window_never_changes_its_choice(
    tmp_path_factory: pytest.TempPathFactory, backtest_ctx: BacktestContext, planted, anchored: bool
) -> None:
    """From day 3 on the series favours SMA(14): folds 1 and 2 (train windows end by day 3) keep their
    choice and in-sample numbers; the later folds see the new regime and move, so the check can fail."""
    ctx = planted_ctx(tmp_path_factory.mktemp("changed"), backtest_ctx, later_zigzag_from=2 * DAY)
    original = planted[1] if not anchored else _report(run_search(wf_request(anchored=True), planted[0]))
    changed = _report(run_search(wf_request(anchored=anchored), ctx))
    for before, after in zip(original.folds[:2], changed.folds[:2], strict=True):
        assert (after.variant_key, after.params, after.in_sample) == (
            before.variant_key,
            before.params,
            before.in_sample,
        )
    assert changed.folds[1].out_of_sample != original.folds[1].out_of_sample
    if not anchored:
        assert [f.params["ma.sma.window"] for f in changed.folds[2:]] == [14, 14]


def test_folds_that_do_not_fit_name_the_bar_counts(planted) -> None:
    ctx, _ = planted
    with pytest.raises(DomainError) as caught:
        run_search(wf_request(folds=5), ctx)
    assert caught.value.details[0].path == "validation.folds"
    assert "5 folds of 1,440 test bars after 1,440 train bars need 8,640 bars" in caught.value.details[0].message
    assert "7,200 1m bars" in caught.value.details[0].message
