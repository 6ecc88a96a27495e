"""Strict loader for `configs/<env>/backtest.yaml`: every key is known, every value checked at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from trading.contexts.backtest.application.dto.run_backtest import MetricConstraintRequest
from trading.contexts.backtest.domain.value_objects.execution import (
    DirectionModeName,
    FillModeName,
    RankingMetricName,
    SizingModeName,
    StopModeName,
)
from trading.shared.config_paths import config_file, load_config_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RankingDefaults(_Strict):
    primary_metric_default: RankingMetricName = "total_return_pct"
    secondary_metric_default: RankingMetricName | None = None
    # Applied when a request gives no `constraints`; a request's list may hold at most `max_constraints`.
    constraints_default: tuple[MetricConstraintRequest, ...] = ()
    max_constraints: int = Field(default=8, ge=0, le=64)
    # One row per distinct outcome (trust.md §3) unless a request says `collapse_same_outcome: false`.
    collapse_same_outcome_default: StrictBool = True

    @model_validator(mode="after")
    def _distinct(self) -> RankingDefaults:
        if self.secondary_metric_default == self.primary_metric_default:
            raise ValueError("secondary_metric_default must differ from primary_metric_default")
        if len(self.constraints_default) > self.max_constraints:
            raise ValueError("constraints_default is longer than max_constraints")
        return self


class Guards(_Strict):
    max_variants_per_compute: int = Field(gt=0)
    max_compute_bytes_total: int = Field(gt=0)
    max_top_k: int = Field(default=10_000, gt=0)
    max_preselect: int = Field(default=100_000, gt=0)
    # Larger bodies are refused with 413 while they are read (two 100k-value axes are ~2 MB of JSON).
    max_request_body_bytes: int = Field(default=8 * 2**20, gt=0)


class Cpu(_Strict):
    max_numba_threads: int = Field(ge=1)


class Admission(_Strict):
    """Sync searches running at once, and how many may wait (and for how long) for a free slot; the
    rest are refused at once (429 queue full, 503 waited too long) with `Retry-After`."""

    max_running: int = Field(default=2, ge=1)
    max_queued: int = Field(default=2, ge=0)
    queue_wait_seconds: float = Field(default=5, ge=0)
    retry_after_seconds: int = Field(default=10, ge=1)
    # Preflights, variant reports and job submits plan on at most this many threads at once.
    max_planning_threads: int = Field(default=2, ge=1)


class Sync(_Strict):
    sync_deadline_seconds: float = Field(gt=0)
    admission: Admission = Admission()


class Jobs(_Strict):
    enabled: bool
    top_k_persisted_default: int = Field(gt=0)
    max_active_jobs_per_user: int = Field(gt=0)
    max_attempts: int = Field(gt=0)
    claim_poll_seconds: float = Field(gt=0)
    lease_seconds: float = Field(gt=0)
    heartbeat_seconds: float = Field(gt=0)
    snapshot_seconds: float = Field(ge=0)
    snapshot_variants_step: int = Field(gt=0)
    # A job hit by a passing store failure goes back to the queue for base * 2**retries seconds (capped).
    store_retry_backoff_seconds: float = Field(default=1.0, gt=0)
    store_retry_backoff_max_seconds: float = Field(default=60.0, gt=0)
    # Wall-clock limit of a job from its first claim when the job names none; None = no limit.
    max_run_seconds_default: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _heartbeat_inside_lease(self) -> Jobs:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("heartbeat_seconds must be smaller than lease_seconds")
        return self


class Reporting(_Strict):
    top_trades_n_default: int = Field(gt=0)
    eager_top_reports_enabled: bool


class ExecutionDefaults(_Strict):
    direction_mode_default: DirectionModeName = "long_short"
    sizing_mode_default: SizingModeName = "all_in"
    init_cash_quote_default: float = Field(gt=0)
    fixed_quote_default: float = Field(gt=0)
    safe_profit_percent_default: float = Field(ge=0, le=100)
    slippage_pct_default: float = Field(ge=0, lt=100)
    stop_mode_default: StopModeName = "close"
    fill_default: FillModeName = "close"
    fee_pct_default_by_market_id: dict[int, float]

    @model_validator(mode="after")
    def _fees_are_percents(self) -> ExecutionDefaults:
        for market_id, fee in self.fee_pct_default_by_market_id.items():
            if not 0 <= fee < 100:
                raise ValueError(f"fee_pct_default_by_market_id.{market_id} must be in [0, 100)")
        return self


class ValidationSettings(_Strict):
    """Out-of-sample checks and grid views (validation doc)."""

    heatmap_max_cells: int = Field(default=40_000, gt=0)


class LocalCluster(_Strict):
    """`trading cluster local` and the cluster tests: loopback only, every port from this range."""

    port_min: int = Field(default=36100, ge=1024, le=65535)
    port_max: int = Field(default=36199, ge=1024, le=65535)
    num_cpus: int = Field(default=2, ge=1)
    object_store_bytes: int = Field(default=200_000_000, ge=78_643_200)  # Ray's minimum is 75 MiB

    @model_validator(mode="after")
    def _range_wide_enough(self) -> LocalCluster:
        if self.port_max - self.port_min + 1 < 18:
            raise ValueError("port_max - port_min + 1 must be >= 18 (8 service ports, workers take the rest)")
        return self


class Distributed(_Strict):
    """One search across a Ray cluster (see docs/architecture/backtest/backtest-distributed-ray-v1.md)."""

    enabled: bool = False
    address: str | None = None  # host:port of the cluster's head; env TRADING_CLUSTER_ADDRESS wins
    cpus_per_task: int = Field(default=1, ge=1)
    target_task_seconds: float = Field(default=2.0, gt=0)
    min_tasks_per_slot: int = Field(default=4, ge=1)
    in_flight_per_slot: int = Field(default=2, ge=1)
    local_below_seconds: float = Field(default=60.0, ge=0)  # smaller searches run in-process
    task_retries: int = Field(default=3, ge=0)
    stall_timeout_seconds: float = Field(default=120.0, gt=0)
    verify_top_n: int = Field(default=3, ge=0)  # final rows the driver re-scores to prove bit-identity
    local_cluster: LocalCluster = Field(default_factory=LocalCluster)


class BacktestRuntimeConfig(_Strict):
    warmup_bars_default: int = Field(ge=0)
    top_k_default: int = Field(gt=0)
    preselect_default: int = Field(gt=0)
    ranking: RankingDefaults
    guards: Guards
    cpu: Cpu
    sync: Sync
    jobs: Jobs
    reporting: Reporting
    execution: ExecutionDefaults
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    distributed: Distributed = Field(default_factory=Distributed)

    @model_validator(mode="after")
    def _defaults_inside_guards(self) -> BacktestRuntimeConfig:
        if self.top_k_default > self.guards.max_top_k:
            raise ValueError("top_k_default exceeds guards.max_top_k")
        if self.preselect_default > self.guards.max_preselect:
            raise ValueError("preselect_default exceeds guards.max_preselect")
        return self


class BacktestFile(_Strict):
    backtest: BacktestRuntimeConfig


def load_backtest_config(path: Path | None = None) -> BacktestRuntimeConfig:
    """Raises ConfigError naming the file and key, e.g. `backtest.jobs.lease_seconds: ...`."""
    return load_config_model(path or config_file("backtest.yaml"), BacktestFile).backtest


@lru_cache(maxsize=1)
def default_backtest_config() -> BacktestRuntimeConfig:
    """The process-wide config for the selected environment, loaded once."""
    return load_backtest_config()
