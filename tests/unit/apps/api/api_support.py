"""Shared helpers of the API tests (unit and live-server): a tmp data dir with synthetic candles,
settings built without touching the environment, fake use cases, and a sample variant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from apps.api.dependencies import BacktestUseCases, default_use_cases
from apps.api.settings import ApiSettings
from trading.contexts.backtest.adapters.outbound.config.backtest_runtime_config import (
    BacktestRuntimeConfig,
    load_backtest_config,
)
from trading.contexts.backtest.application.dto.run_backtest import (
    PreflightResponse,
    RankedVariant,
    RankingConfig,
    RunBacktestRequest,
    RunBacktestResponse,
    VariantPayload,
    VariantReportRequest,
    VariantReportResponse,
)
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.identity.domain.auth_settings import AuthSettings, TokenGrant
from trading.contexts.identity.domain.token_hash import hash_token
from trading.contexts.indicators.adapters.outbound.compute_numba.registry import default_registry
from trading.contexts.indicators.adapters.outbound.config.indicators_config import load_indicator_defaults
from trading.contexts.indicators.application.dto.indicator_defaults import IndicatorDefaults
from trading.contexts.market_data.adapters.outbound.persistence.parquet_candle_store import CandleStore
from trading.contexts.market_data.domain.synthetic import synthesize_1m

REPO_ROOT = Path(__file__).resolve().parents[4]
TEST_CONFIG = REPO_ROOT / "configs" / "test" / "backtest.yaml"
TEST_INDICATORS = REPO_ROOT / "configs" / "test" / "indicators.yaml"
INSTRUMENT = "1:BTCUSDT"
START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
N_BARS = 3 * 24 * 60
TOKENS = {"alice": "alice-token", "bob": "bob-token"}


def write_candles(data_dir: Path) -> None:
    """Three days of deterministic 1m bars for INSTRUMENT."""
    bars = synthesize_1m(START_MS, N_BARS, seed=7)
    CandleStore(data_dir).write_1m(
        INSTRUMENT, bars["ts"], bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"]
    )


def config_for_tests(**jobs_overrides: Any) -> BacktestRuntimeConfig:
    config = load_backtest_config(TEST_CONFIG)
    if not jobs_overrides:
        return config
    return config.model_copy(update={"jobs": config.jobs.model_copy(update=jobs_overrides)})


@cache
def indicator_defaults_for_tests() -> IndicatorDefaults:
    return load_indicator_defaults(default_registry(), TEST_INDICATORS)


def auth_on() -> AuthSettings:
    return AuthSettings(
        enabled=True,
        tokens=tuple(TokenGrant(user_id=user, token_sha256=hash_token(token)) for user, token in TOKENS.items()),
    )


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user]}"}


def make_settings(data_dir: Path, **overrides: Any) -> ApiSettings:
    settings = ApiSettings(
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'jobs.sqlite3'}",
        backtest_config=config_for_tests(),
        indicator_defaults=indicator_defaults_for_tests(),
        auth=AuthSettings(),
        migrate_on_startup=True,
    )
    return replace(settings, **overrides)


def grid_request(**overrides: Any) -> dict[str, Any]:
    """A small valid grid search over the synthetic candles (JSON body)."""
    body: dict[str, Any] = {
        "instrument_id": INSTRUMENT,
        "timeframe": "1h",
        "time_range": {"start": "2024-01-01T12:00:00Z", "end": "2024-01-03T12:00:00Z"},
        "warmup_bars": 10,
        "indicators": [{"indicator_id": "ma.sma", "params": {"window": {"mode": "explicit", "values": [5, 10]}}}],
        "risk": {"sl_pct": {"mode": "explicit", "values": [None, 2.0]}},
        "top_k": 3,
        "preselect": 4,
    }
    body.update(overrides)
    return body


def sample_payload(window: int = 5) -> VariantPayload:
    return VariantPayload.model_validate(
        {
            "indicator_selections": [
                {"indicator_id": "ma.sma", "inputs": {"source": "close"}, "params": {"window": window}}
            ],
            "signal_params": {},
            "risk_params": {"sl_pct": None, "tp_pct": None},
            "execution_params": {
                "init_cash_quote": 10_000,
                "fixed_quote": 1_000,
                "safe_profit_percent": 30,
                "fee_pct": 0.075,
                "slippage_pct": 0.01,
            },
            "direction_mode": "long_short",
            "sizing_mode": "all_in",
        }
    )


def ranked(rank: int, key: str, total_return: float, **metrics: float) -> RankedVariant:
    return RankedVariant(
        rank=rank,
        variant_index=rank * 10,
        variant_key=key,
        indicator_variant_key=f"ivk-{key}",
        total_return_pct=total_return,
        ranking_metrics={"total_return_pct": total_return, **metrics},
        payload=sample_payload(5 + rank),
    )


@dataclass
class FakeUseCases:
    """Records how the routes call the application; `run_hook` lets a test block or fail a sync run."""

    response: RunBacktestResponse
    preflight_response: PreflightResponse
    run_hook: Callable[[Callable[[], bool]], None] | None = None
    run_calls: list[dict[str, Any]] = field(default_factory=list)
    preflight_calls: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)

    def run(self, request: RunBacktestRequest, ctx: BacktestContext, **kwargs: Any) -> RunBacktestResponse:
        self.run_calls.append({"request": request, "ctx": ctx, **kwargs})
        if self.run_hook is not None:
            self.run_hook(kwargs["should_stop"])
        return self.response

    def preflight(self, request: RunBacktestRequest, ctx: BacktestContext) -> PreflightResponse:
        self.preflight_calls += 1
        return self.preflight_response

    def report(self, request: VariantReportRequest, ctx: BacktestContext) -> VariantReportResponse:
        return VariantReportResponse(
            variant_key="vk",
            indicator_variant_key="ivk",
            ranking_metrics={"total_return_pct": float("nan")},
            rows=[{"metric": "Total Return [%]", "value": float("inf")}],
            table_md="| metric | value |",
            trades=[],
            trades_total=0,
            equity={"ts": [], "equity": []},
            bars={"target": 48},
        )

    def use_cases(self) -> BacktestUseCases:
        real = default_use_cases()
        return BacktestUseCases(run=self.run, preflight=self.preflight, report=self.report, defaults=real.defaults)


def fake_use_cases() -> FakeUseCases:
    """Variants deliberately NOT sorted by any metric or key, so a re-sort would be visible."""
    variants = [ranked(1, "ccc", 1.0), ranked(2, "aaa", 5.0, max_drawdown_pct=float("nan")), ranked(3, "bbb", -2.0)]
    return FakeUseCases(
        response=RunBacktestResponse(
            variants=variants,
            stage_a_variants_total=2,
            stage_b_variants_total=4,
            ranking=RankingConfig(primary_metric="max_drawdown_pct", secondary_metric=None),
            timings={"total_seconds": 0.01},
            bars={"target": 48},
        ),
        preflight_response=PreflightResponse(
            stage_a_variants_total=2,
            stage_b_variants_total=4,
            risk_variants_total=2,
            preselect=4,
            top_k=3,
            estimated_memory_bytes=1024,
            max_compute_bytes_total=4_294_967_296,
            max_variants_per_compute=5_000_000,
            bars={"target": 48},
            fits=True,
        ),
    )
