from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.api.app import create_app
from apps.api.dependencies import get_use_cases
from tests.unit.apps.api.api_support import FakeUseCases, auth_on, fake_use_cases, make_settings, write_candles
from trading.contexts.identity.domain.auth_settings import AuthSettings

ClientFactory = Callable[..., TestClient]


@pytest.fixture(scope="session")
def candles_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Written once per session: the candle store is read-only for the API."""
    directory = tmp_path_factory.mktemp("candles")
    write_candles(directory)
    return directory


@pytest.fixture
def data_dir(candles_dir: Path, tmp_path: Path) -> Path:
    """Shared candles, a fresh job database per test."""
    (tmp_path / "candles_1m").symlink_to(candles_dir / "candles_1m")
    return tmp_path


@pytest.fixture
def fakes() -> FakeUseCases:
    return fake_use_cases()


@pytest.fixture
def make_client(data_dir: Path, fakes: FakeUseCases) -> Iterator[ClientFactory]:
    """`make_client(real=False, **settings_overrides)`: an in-process client; fakes unless `real=True`."""
    clients: list[TestClient] = []

    def factory(real: bool = False, **overrides: Any) -> TestClient:
        app = create_app(make_settings(overrides.pop("data_dir", data_dir), **overrides))
        if not real:
            app.dependency_overrides[get_use_cases] = fakes.use_cases
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()


@pytest.fixture
def auth() -> AuthSettings:
    return auth_on()
