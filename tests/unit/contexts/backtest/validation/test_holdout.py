"""Holdout: the in-sample ranking is a plain search on the bars before the split, each row's
out-of-sample metrics equal a report of that variant on the out-of-sample range with the same warm-up,
and on pure noise about half of the in-sample winners are profitable out of sample."""

from pathlib import Path

import numpy as np
import pytest

from tests.unit.contexts.backtest.staged.conftest import START_MS
from tests.unit.contexts.backtest.validation.search_support import GRID, exhaustive_request
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest, TimeRange, VariantReportRequest
from trading.contexts.backtest.application.dto.validation import HoldoutSummary
from trading.contexts.backtest.application.use_cases.run_backtest import (
    BacktestContext,
    build_variant_report,
    run_backtest,
)
from trading.contexts.backtest.domain.services.rank_correlation import spearman
from trading.contexts.market_data.adapters.outbound.config.markets_config import load_markets
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.application.candle_ingest import write_synthetic_candles
from trading.shared.errors import DomainError

HOLDOUT = {"mode": "holdout", "oos_fraction": 0.3}


@pytest.fixture(scope="module")
def holdout_response(backtest_ctx: BacktestContext):
    request = exhaustive_request(validation=HOLDOUT, top_k=40)
    return request, run_backtest(request, backtest_ctx)


def test_oos_metrics_equal_a_report_on_the_oos_range_with_the_same_warmup(
    backtest_ctx: BacktestContext, holdout_response
) -> None:
    request, response = holdout_response
    summary = response.validation
    assert isinstance(summary, HoldoutSummary) and summary.rows == 40
    oos_context = request.run_context().model_copy(
        update={"time_range": TimeRange(start=summary.oos_start, end=summary.oos_end)}
    )
    assert summary.oos_bars["warmup"] == request.warmup_bars == 50
    for row in response.variants[::8]:
        report = build_variant_report(
            VariantReportRequest(run_context=oos_context, variant=row.payload, include_trades=False), backtest_ctx
        )
        assert row.oos_metrics is not None and set(row.oos_metrics) == set(row.ranking_metrics)
        assert row.oos_metrics == {name: report.ranking_metrics[name] for name in row.oos_metrics}
        assert row.oos_metrics != row.ranking_metrics


def test_in_sample_ranking_is_a_plain_search_on_the_bars_before_the_split(
    backtest_ctx: BacktestContext, holdout_response
) -> None:
    request, response = holdout_response
    summary = response.validation
    assert isinstance(summary, HoldoutSummary)
    # 2024-01-01T06:00 .. 2024-01-03T18:00 is 60 h; 70% of it is 42 h, already on a 5m boundary.
    assert summary.oos_start.isoformat() == "2024-01-03T00:00:00+00:00"
    plain = run_backtest(
        request.model_copy(
            update={"validation": None, "time_range": TimeRange(start=request.time_range.start, end=summary.oos_start)}
        ),
        backtest_ctx,
    )
    assert [(v.variant_key, v.ranking_metrics) for v in response.variants] == [
        (v.variant_key, v.ranking_metrics) for v in plain.variants
    ]
    assert response.bars == plain.bars


def test_summary_share_and_rank_correlation(holdout_response) -> None:
    _, response = holdout_response
    summary = response.validation
    assert isinstance(summary, HoldoutSummary)
    oos_returns = [row.oos_metrics["total_return_pct"] for row in response.variants if row.oos_metrics]
    assert summary.profitable_oos_share == sum(r is not None and r > 0 for r in oos_returns) / 40
    in_sample = [row.ranking_metrics["total_return_pct"] for row in response.variants]
    assert summary.spearman_is_oos == spearman(np.array(in_sample, dtype=float), np.array(oos_returns, dtype=float))


def test_fraction_split_is_floored_to_a_bar_and_bad_splits_name_the_field(backtest_ctx: BacktestContext) -> None:
    request = exhaustive_request(validation={"mode": "holdout", "oos_fraction": 0.001}, top_k=1)
    summary = run_backtest(request, backtest_ctx).validation
    assert isinstance(summary, HoldoutSummary)
    assert summary.oos_start.isoformat() == "2024-01-03T17:55:00+00:00"  # 60 h * 0.999 = 17:56:24, floored
    with pytest.raises(DomainError) as caught:
        run_backtest(
            exhaustive_request(validation={"mode": "holdout", "oos_start": "2024-01-05T00:00:00Z"}), backtest_ctx
        )
    assert [d.path for d in caught.value.details] == ["validation.oos_start"]


def test_request_json_has_no_validation_key_unless_set() -> None:
    """Stored requests (and their hashes) from before validation keep their exact JSON."""
    plain = RunBacktestRequest.model_validate(GRID).model_dump(mode="json")
    assert "validation" not in plain and "variant" in plain
    with_holdout = RunBacktestRequest.model_validate({**GRID, "validation": HOLDOUT}).model_dump(mode="json")
    assert with_holdout["validation"] == {"mode": "holdout", "oos_start": None, "oos_fraction": 0.3}
    assert RunBacktestRequest.model_validate(with_holdout).model_dump(mode="json") == with_holdout
    with pytest.raises(ValueError, match="exactly one of oos_start and oos_fraction"):
        RunBacktestRequest.model_validate({**GRID, "validation": {"mode": "holdout"}})


def test_spearman_uses_average_ranks_for_ties() -> None:
    assert spearman(np.array([1.0, 2, 3, 4]), np.array([1.0, 3, 2, 4])) == pytest.approx(0.8)
    assert spearman(np.array([1.0, 2, 2, 3]), np.array([1.0, 2, 3, 4])) == pytest.approx(4.5 / np.sqrt(22.5))
    assert spearman(np.array([1.0, np.nan, 3]), np.array([2.0, 5, 1])) == pytest.approx(-1.0)
    assert spearman(np.array([1.0, 1.0]), np.array([1.0, 2.0])) is None


def test_on_pure_noise_about_half_of_the_in_sample_top_is_profitable_out_of_sample(
    tmp_path_factory: pytest.TempPathFactory, backtest_ctx: BacktestContext
) -> None:
    """Every row of one series sees the same out-of-sample path, so one series says little; the share
    is averaged over independent seeded random walks, without costs (costs alone push it below half)."""
    shares = []
    for seed in range(12):
        data_dir: Path = tmp_path_factory.mktemp(f"noise{seed}")
        write_synthetic_candles(CandleStore(data_dir), load_markets(), "1:BTCUSDT", START_MS, 3 * 1440, 100 + seed)
        request = exhaustive_request(
            validation={"mode": "holdout", "oos_fraction": 0.5},
            execution={"direction_mode": "long_short", "fee_pct": 0.0, "slippage_pct": 0.0},
            top_k=50,
        )
        summary = run_backtest(request, BacktestContext(str(data_dir), backtest_ctx.config)).validation
        assert isinstance(summary, HoldoutSummary)
        shares.append(summary.profitable_oos_share)
    assert 0.35 <= float(np.mean(shares)) <= 0.65, shares
