from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.jobs.support import job_config, one_position_chunks_core, write_candles
from trading.contexts.backtest.adapters.outbound.persistence.factory import open_jobs_repository
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.services import staged_runner_v1
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext


@dataclass
class FakeClock:
    """Lease time that moves only when a test says so."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def one_position_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many Stage B chunk boundaries: one shortlisted base variant (its 9 risk variants) per chunk."""
    monkeypatch.setattr(staged_runner_v1, "StagedCore", one_position_chunks_core(staged_runner_v1.StagedCore))


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candles(tmp_path_factory.mktemp("jobs_data"))


@pytest.fixture
def ctx(data_dir: Path) -> BacktestContext:
    """Snapshots due at every chunk, so cadence never hides a write the frontier asked for."""
    return BacktestContext(str(data_dir), job_config(snapshot_seconds=0.0, snapshot_variants_step=1))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/jobs.sqlite3"


@pytest.fixture
def repo(db_url: str) -> Iterator[BacktestJobsRepository]:
    store = open_jobs_repository(db_url)
    store.migrate()
    yield store
    store.close()
