"""A real full disk for store tests: a small tmpfs mounted for the test, filled on demand.

Mounting needs root (as here and in CI); elsewhere the tests that use it are skipped with the reason.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FILLER_NAME = "filler.bin"


@contextmanager
def small_tmpfs(mount_point: Path, size: str = "16m") -> Iterator[Path]:
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); the disk-full tests need root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_disk(directory: Path) -> Path:
    """Write a filler file until the file system refuses (ENOSPC) even a single page; returns it."""
    filler = directory / FILLER_NAME
    with filler.open("wb", buffering=0) as out:
        for chunk in (65536, 4096, 512):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError:
                continue
    return filler


def free_disk(directory: Path) -> None:
    (directory / FILLER_NAME).unlink(missing_ok=True)
