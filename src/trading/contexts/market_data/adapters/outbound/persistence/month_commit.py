"""All-or-nothing replacement of several month files of one instrument (a roll-forward journal).

A write stages every new month as a hidden temp file, then writes a journal naming them (that rename
is the commit point), then moves each temp file over its month and deletes the journal. A process
killed at any point leaves either no journal (old data everywhere; the temp files are stale) or a
journal whose moves can be finished. `recover` does exactly that on the next open, under the same
per-instrument lock a writer holds, so it never touches a write that is still running.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

JOURNAL_PREFIX = ".commit-"
TEMP_SUFFIX = ".tmp"
LOCK_NAME = ".lock"


@contextlib.contextmanager
def instrument_lock(directory: Path, *, wait: bool = True) -> Iterator[bool]:
    """Exclusive lock on one instrument directory (released by the OS if the holder dies).

    Yields False without waiting when `wait` is off and another process holds it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / LOCK_NAME).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def commit_files(directory: Path, writes: dict[str, Callable[[Path], None]]) -> None:
    """Replace `directory/<name>` for every name with what its writer puts at the path it is given.

    The caller holds `instrument_lock(directory)`.
    """
    txn = uuid.uuid4().hex
    staged = {name: directory / f".{name}.{txn}{TEMP_SUFFIX}" for name in writes}
    for name, write in writes.items():
        write(staged[name])
        _fsync(staged[name])
    journal = directory / f"{JOURNAL_PREFIX}{txn}"
    journal_temp = directory / f"{JOURNAL_PREFIX}{txn}{TEMP_SUFFIX}"
    journal_temp.write_text(json.dumps({name: path.name for name, path in staged.items()}))
    _fsync(journal_temp)
    os.replace(journal_temp, journal)  # the commit point
    _fsync(directory)
    _roll_forward(directory, journal)


def recover(directory: Path) -> None:
    """Finish a committed write, drop the temp files of an uncommitted one. Skips a directory whose
    lock is held (a writer is running there)."""
    with instrument_lock(directory, wait=False) as locked:
        if not locked:
            return
        for journal in sorted(directory.glob(f"{JOURNAL_PREFIX}*")):
            if not journal.name.endswith(TEMP_SUFFIX):
                _roll_forward(directory, journal)
        for stale in directory.glob(f".*{TEMP_SUFFIX}"):
            stale.unlink(missing_ok=True)


def needs_recovery(directory: Path) -> bool:
    return any(directory.glob(f"{JOURNAL_PREFIX}*")) or any(directory.glob(f".*{TEMP_SUFFIX}"))


def _roll_forward(directory: Path, journal: Path) -> None:
    staged: dict[str, str] = json.loads(journal.read_text())
    for name, temp_name in staged.items():
        temp = directory / temp_name
        if temp.exists():  # else already moved before a crash
            os.replace(temp, directory / name)
    _fsync(directory)
    journal.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
