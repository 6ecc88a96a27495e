"""One progress figure for a whole search: the stages in words and their share of the bar, so a bar
never jumps back to zero when Stage A hands over to Stage B. The CLI, the jobs API and the web UI
all read it from here."""

from __future__ import annotations

import re

# Share of the overall bar per stage, in run order. Setup (indicators and signals) is usually short;
# Stage A and Stage B score comparable numbers of variant-bars in the default configs.
STAGE_SHARES: dict[str, float] = {"setup": 0.1, "stage_a": 0.45, "stage_b": 0.45}
STAGE_WORDS: dict[str, str] = {
    "setup": "computing indicators and signals",
    "stage_a": "Stage A: scoring base variants",
    "stage_b": "Stage B: scoring the risk grid",
}
# A walk-forward run reports each fold's stages as `fold 2/5: stage_b`: the bar spans all folds.
_FOLD_STAGE = re.compile(r"fold (\d+)/(\d+): (.+)")
FINISHED_WORDS = "finished"
QUEUED_WORDS = "waiting for a worker"


def stage_words(stage: str | None) -> str:
    if stage is None:
        return QUEUED_WORDS
    fold = _FOLD_STAGE.fullmatch(stage)
    if fold is not None:
        return f"fold {fold[1]}/{fold[2]}: {stage_words(fold[3])}"
    return STAGE_WORDS.get(stage, stage)


def overall_fraction(stage: str | None, processed: int, total: int) -> float:
    """0 before the first stage, 1 at the end of the last; monotone as the stages advance."""
    fold = _FOLD_STAGE.fullmatch(stage) if stage is not None else None
    if fold is not None:
        number, folds = int(fold[1]), int(fold[2])
        return (number - 1 + overall_fraction(fold[3], processed, total)) / folds
    if stage not in STAGE_SHARES:
        return 0.0
    done_before = 0.0
    for name, share in STAGE_SHARES.items():
        if name == stage:
            within = min(1.0, processed / total) if total > 0 else 0.0
            return done_before + share * within
        done_before += share
    return done_before


def eta_seconds(elapsed_seconds: float, fraction: float) -> float | None:
    """Remaining time if the rest goes at the pace so far; None until there is a pace to go by."""
    if fraction <= 0.0 or elapsed_seconds <= 0.0:
        return None
    return max(0.0, elapsed_seconds * (1.0 - fraction) / fraction)
