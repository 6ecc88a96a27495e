from __future__ import annotations

from pathlib import Path

import pytest

from trading.contexts.backtest.adapters.outbound.persistence.factory import (
    default_jobs_database_url,
    open_jobs_repository,
)
from trading.contexts.backtest.adapters.outbound.persistence.sqlite.backtest_jobs_repository import (
    SqliteBacktestJobsRepository,
)


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "sqlite:///data/jobs.sqlite3"),
        ({"TRADING_DATA_DIR": "/srv/trading"}, "sqlite:////srv/trading/jobs.sqlite3"),
        ({"TRADING_DATA_DIR": "/srv", "TRADING_DATABASE_URL": "postgresql://db/x"}, "postgresql://db/x"),
        ({"TRADING_DATABASE_URL": ""}, "sqlite:///data/jobs.sqlite3"),
    ],
)
def test_default_url_follows_the_environment(environ: dict[str, str], url: str) -> None:
    assert default_jobs_database_url(environ) == url


def test_sqlite_urls_name_relative_and_absolute_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_jobs_repository("sqlite:///data/jobs.sqlite3")
    absolute = open_jobs_repository(f"sqlite:///{tmp_path}/abs/jobs.sqlite3")
    try:
        assert isinstance(relative, SqliteBacktestJobsRepository)
        assert isinstance(absolute, SqliteBacktestJobsRepository)
        assert relative.path == Path("data/jobs.sqlite3")
        assert absolute.path == tmp_path / "abs" / "jobs.sqlite3"
        assert (tmp_path / "data").is_dir()
    finally:
        relative.close()
        absolute.close()


@pytest.mark.parametrize("url", ["mysql://db/x", "sqlite:///", "data/jobs.sqlite3"])
def test_unknown_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        open_jobs_repository(url)
