"""Settings come from TRADING_* env vars and the env's config files, once, failing fast on bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from apps.api.settings import settings_from_env
from tests.unit.apps.api.api_support import REPO_ROOT
from trading.contexts.identity.application.resolve_user import resolve_user
from trading.contexts.identity.domain.token_hash import hash_token
from trading.shared.config_paths import ConfigError


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("TRADING_ENV", "test")
    monkeypatch.setenv("TRADING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TRADING_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRADING_CONFIG_DIR", raising=False)
    return monkeypatch


def _config_tree(tmp_path: Path, auth_yaml: str) -> Path:
    root = tmp_path / "configs"
    shutil.copytree(REPO_ROOT / "configs" / "test", root / "test")
    (root / "test" / "auth.yaml").write_text(auth_yaml, encoding="utf-8")
    return root


def test_defaults_for_the_test_env(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_from_env()
    assert (settings.env, settings.data_dir) == ("test", tmp_path / "data")
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'jobs.sqlite3'}"
    assert settings.backtest_config.sync.sync_deadline_seconds == 30
    assert settings.auth.enabled is False
    assert settings.migrate_on_startup is True
    assert settings.indicator_defaults.axis("momentum.rsi", "params", "window") == {
        "mode": "range",
        "start": 7,
        "stop_incl": 28,
        "step": 7,
    }


def test_database_url_override(env: pytest.MonkeyPatch) -> None:
    env.setenv("TRADING_DATABASE_URL", "postgresql://u@db/trading")
    assert settings_from_env().database_url == "postgresql://u@db/trading"


def test_auth_yaml_turns_bearer_tokens_on(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    auth = f"auth:\n  enabled: true\n  tokens:\n    - {{user_id: carol, token_sha256: {hash_token('s3cret')}}}\n"
    env.setenv("TRADING_CONFIG_DIR", str(_config_tree(tmp_path, auth)))
    settings = settings_from_env()
    assert resolve_user("Bearer s3cret", settings.auth) == "carol"


def test_a_raw_token_in_auth_yaml_fails_at_start_up_naming_the_key(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    auth = "auth:\n  enabled: true\n  tokens:\n    - {user_id: carol, token_sha256: s3cret}\n"
    env.setenv("TRADING_CONFIG_DIR", str(_config_tree(tmp_path, auth)))
    with pytest.raises(ConfigError, match=r"auth\.tokens\[0\]\.token_sha256"):
        settings_from_env()


def test_unknown_env_fails_fast(env: pytest.MonkeyPatch) -> None:
    env.setenv("TRADING_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        settings_from_env()
