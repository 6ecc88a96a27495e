"""The base timeframe of a batch of bars: taken as given or detected, and checked to be consistent.

Detection takes the most common spacing between consecutive bars. Every bar must sit on that
timeframe's UTC grid, so gaps are whole multiples of it and are fine (nights, weekends, quiet minutes);
a bar off the grid, or a run of bars at a coarser supported timeframe (a 5m stretch inside 1m data),
means the file mixes intervals and is refused at its first such bar. Daily bars are keyed by their
calendar date as written (00:00 UTC of that date), so a daily file in a zone with daylight saving is
still exactly one day apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trading.contexts.market_data.domain.bar_checks import BarProblem
from trading.contexts.market_data.domain.timeline import TIMEFRAMES
from trading.shared.errors import DomainError

DAILY = "1d"
MIXED_RUN = 10  # consecutive bars at a coarser timeframe that count as a second interval, not gaps


@dataclass(frozen=True)
class BaseInterval:
    """`ts` are the bar open times to store (UTC ms, in input row order)."""

    timeframe: str
    detected: bool
    ts: np.ndarray


def resolve_interval(
    utc_ms: np.ndarray, wall_ms: np.ndarray, given: str | None, stored: str | None
) -> BaseInterval | BarProblem:
    """`given` wins; else the detected spacing; a single bar takes the stored base, else 1m."""
    if given is not None and given not in TIMEFRAMES:
        raise DomainError("unknown_timeframe", f"unknown timeframe {given!r}; use one of {', '.join(TIMEFRAMES)}")
    timeframe = given or _detect(utc_ms) or stored or "1m"
    ts = wall_ms - wall_ms % TIMEFRAMES[DAILY] if timeframe == DAILY else utc_ms
    if timeframe == DAILY and np.any(wall_ms % TIMEFRAMES[DAILY] != wall_ms[0] % TIMEFRAMES[DAILY]):
        row = int(np.flatnonzero(wall_ms % TIMEFRAMES[DAILY] != wall_ms[0] % TIMEFRAMES[DAILY])[0])
        return BarProblem(row, "inconsistent_interval", "daily bars must all be at the same time of day")
    problem = _first_inconsistent(ts, timeframe)
    return problem if problem is not None else BaseInterval(timeframe, given is None, ts)


def _detect(utc_ms: np.ndarray) -> str | None:
    steps = np.diff(np.sort(utc_ms))
    steps = steps[steps > 0]
    if steps.shape[0] == 0:
        return None
    values, counts = np.unique(steps, return_counts=True)
    common = int(values[int(np.argmax(counts))])
    for name, step in TIMEFRAMES.items():
        if step == common:
            return name
    raise DomainError(
        "unknown_interval",
        f"the bars are most often {_duration(common)} apart, which is not a supported timeframe "
        f"({', '.join(TIMEFRAMES)}); pass --timeframe",
    )


def _first_inconsistent(ts: np.ndarray, timeframe: str) -> BarProblem | None:
    step = TIMEFRAMES[timeframe]
    misaligned = ts % step != 0
    order = np.argsort(ts, kind="stable")
    gaps = np.diff(ts[order])  # bars on the grid are always whole steps apart (0 = duplicate, reported elsewhere)
    coarser = np.isin(gaps, [s for s in TIMEFRAMES.values() if s > step])
    run_start = _first_run(coarser, gaps)
    found: list[tuple[int, int, str, str]] = []  # (row, precedence at that row, code, message)
    if misaligned.any():
        message = f"timestamp is not on a whole {timeframe} UTC boundary"
        found.append((int(np.argmax(misaligned)), 0, "not_on_timeframe", message))
    if run_start is not None:
        message = f"from here bars are {_duration(int(gaps[run_start]))} apart; the file's interval is {timeframe}"
        found.append((int(order[run_start + 1]), 1, "inconsistent_interval", message))
    if not found:
        return None
    row, _, code, message = min(found)
    return BarProblem(row, code, message)


def _first_run(flags: np.ndarray, gaps: np.ndarray) -> int | None:
    """Index of the first gap of the first run of MIXED_RUN consecutive flagged gaps of one size."""
    run = 0
    for index in np.flatnonzero(flags):
        run = run + 1 if index > 0 and flags[index - 1] and gaps[index] == gaps[index - 1] else 1
        if run == MIXED_RUN:
            return int(index) - MIXED_RUN + 1
    return None


def _duration(ms: int) -> str:
    minutes = ms // 60_000
    if ms % 60_000 or minutes == 0:
        return f"{ms / 1000:g}s"
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
