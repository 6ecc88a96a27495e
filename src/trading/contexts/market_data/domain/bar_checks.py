"""Row checks every stored bar must pass; used by CSV import to reject a file before writing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trading.contexts.market_data.domain.ohlcv import Ohlcv

# Bar times a store accepts: 1970-01-01 up to (not including) 2100-01-01 UTC.
FIRST_TS_MS = 0
END_TS_MS = 4_102_444_800_000


@dataclass(frozen=True)
class BarProblem:
    row: int
    code: str
    message: str


def first_bar_problem(bars: Ohlcv) -> BarProblem | None:
    """The earliest row (by input order) that breaks a rule, or None when all rows are valid.

    Prices must be finite and positive; high >= max(open, close), low <= min(open, close), volume >= 0,
    ts within 1970..2100, no ts twice (the second occurrence is reported).
    """
    o, h, lo, c, v, ts = bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"], bars["ts"]
    checks: list[tuple[np.ndarray, str, str]] = [
        (_any_column(~np.isfinite(np.stack([o, h, lo, c, v]))), "non_finite", "value is not a finite number"),
        (_any_column(np.stack([o, h, lo, c]) <= 0), "non_positive_price", "price must be positive"),
        (h < np.maximum(o, c), "high_below_open_close", "high is below max(open, close)"),
        (lo > np.minimum(o, c), "low_above_open_close", "low is above min(open, close)"),
        (v < 0, "negative_volume", "volume is negative"),
        ((ts < FIRST_TS_MS) | (ts >= END_TS_MS), "ts_out_of_range", "timestamp is outside 1970..2100"),
        (_duplicate_mask(ts), "duplicate_ts", "timestamp appears earlier in the file"),
    ]
    found = [(int(np.argmax(mask)), code, text) for mask, code, text in checks if mask.any()]
    if not found:
        return None
    row, code, text = min(found, key=lambda item: item[0])
    return BarProblem(row, code, text)


def _any_column(mask: np.ndarray) -> np.ndarray:
    """Per row of the file (a column of the stacked fields): is any field flagged?"""
    return np.asarray(mask.any(axis=0))


def _duplicate_mask(ts: np.ndarray) -> np.ndarray:
    """True at every row whose ts already appeared at an earlier row."""
    order = np.argsort(ts, kind="stable")
    repeated = np.zeros(ts.shape[0], dtype=bool)
    repeated[order[1:]] = ts[order[1:]] == ts[order[:-1]]
    return repeated
