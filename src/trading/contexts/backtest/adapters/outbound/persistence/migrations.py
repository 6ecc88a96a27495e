"""Versioned schema migrations: numbered `NNNN_name.sql` files per dialect, applied in order once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

SCHEMA_MIGRATIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)"
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path) -> list[Migration]:
    """All migrations of one dialect in version order; a stray or duplicate file is an error, not skipped."""
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise ValueError(f"{path}: migration files must be named NNNN_lower_snake.sql")
        version = int(match.group(1))
        if version in migrations:
            raise ValueError(f"{path}: duplicate migration version {version}")
        migrations[version] = Migration(version, match.group(2), path.read_text(encoding="utf-8"))
    versions = sorted(migrations)
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"{directory}: migration versions must be 1..n without gaps, got {versions}")
    return [migrations[v] for v in versions]
