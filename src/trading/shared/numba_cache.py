"""numba's on-disk cache, keyed by the code instead of by file stamps.

numba checks a cached kernel only against its own source file's modification time and size. A kernel
that calls or inlines a jitted function of another module (the scorer calls `close_fill_engine`) keeps
its stale machine code when only the callee changes: ranking and report then disagree. So the cache
lives in a directory named by the package, Python and numba versions plus a hash of every module that
uses numba and of the package modules they import (where their constants come from); any such edit
starts from an empty cache. `trading/__init__.py` calls this before anything can import numba.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

CACHE_ROOT_VAR = "TRADING_NUMBA_CACHE_ROOT"  # where the per-key directories go (default ~/.cache/...)
NUMBA_CACHE_DIR_VAR = "NUMBA_CACHE_DIR"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
_USES_NUMBA = re.compile(rb"^\s*(?:import numba|from numba\b)", re.MULTILINE)
_PACKAGE_IMPORT = re.compile(rb"^\s*from (trading(?:\.\w+)+) import", re.MULTILINE)


def kernel_sources(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Modules that import numba, plus the package modules they import, sorted."""
    users = [path for path in package_dir.rglob("*.py") if _USES_NUMBA.search(path.read_bytes())]
    sources = set(users)
    for path in users:
        for module in _PACKAGE_IMPORT.findall(path.read_bytes()):
            parts = module.decode().split(".")[1:]
            candidate = package_dir.joinpath(*parts).with_suffix(".py")
            if candidate.is_file():
                sources.add(candidate)
    return sorted(sources)


def cache_key(package_dir: Path = PACKAGE_DIR) -> str:
    digest = hashlib.sha256()
    for path in kernel_sources(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return f"{_version('trading')}-{python}-numba{_version('numba')}-{digest.hexdigest()[:16]}"


def configure_numba_cache(package_dir: Path = PACKAGE_DIR) -> Path:
    """Point numba at this code's cache directory (sets NUMBA_CACHE_DIR, and numba's config if numba
    was imported already); child processes inherit it. Returns the directory."""
    directory = _cache_root() / cache_key(package_dir)
    os.environ[NUMBA_CACHE_DIR_VAR] = str(directory)
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.config.CACHE_DIR = str(directory)  # read when a kernel first looks up its cache
    return directory


def _cache_root() -> Path:
    configured = os.environ.get(CACHE_ROOT_VAR)
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "trading" / "numba"


def _version(distribution: str) -> str:
    """The installed version from the `.dist-info` directory name: importlib.metadata scans every
    distribution and costs ~0.3 s at start-up, this one directory listing per path entry."""
    for entry in sys.path:
        folder = Path(entry or ".")
        if folder.is_dir():
            for info in folder.glob(f"{distribution}-*.dist-info"):
                return info.name.removesuffix(".dist-info").split("-", 1)[1]
    return "0"
