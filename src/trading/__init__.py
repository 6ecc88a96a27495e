"""Staged grid-search backtesting platform."""

from trading.shared.numba_cache import configure_numba_cache

configure_numba_cache()  # before any module imports numba: a code change must never meet a stale kernel
