"""PostgreSQL fixtures for any test that needs the real server.

Use from a conftest: `from tests.conftest_pg import pg_schema_url  # noqa: F401`.
Each pytest session gets its own schema (created here, dropped at the end), so parallel runs on one
server never see each other's rows. Without a reachable server the tests are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

TEST_DATABASE_URL_VAR = "TRADING_TEST_DATABASE_URL"
DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get(TEST_DATABASE_URL_VAR, DEFAULT_TEST_DATABASE_URL)


def with_search_path(url: str, schema: str) -> str:
    """The URL whose every connection uses `schema` (libpq `options`), usable in other processes too.

    Test sessions also skip waiting for the WAL flush: a test database needs no crash durability, and
    on a slow disk every commit would otherwise cost a full fsync.
    """
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema} -csynchronous_commit=off')}"


@contextmanager
def temporary_schema() -> Iterator[str]:
    """A fresh schema on the test server, dropped on exit; yields the URL pinned to it.

    Skips the calling test, naming the reason, when the server cannot be reached.
    """
    url = server_url()
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is unreachable at {url} ({exc}); set {TEST_DATABASE_URL_VAR} or start it")
    schema = f"test_{os.getpid()}_{uuid4().hex[:8]}"
    with admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield with_search_path(url, schema)
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A database URL pinned to a fresh schema that lives for this test session."""
    with temporary_schema() as url:
        yield url
