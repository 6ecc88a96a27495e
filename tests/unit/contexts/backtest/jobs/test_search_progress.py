"""The overall progress bar: monotone across stages, stage names in words, ETA from the pace so far."""

from __future__ import annotations

import pytest

from trading.contexts.backtest.domain.services.search_progress import (
    eta_seconds,
    overall_fraction,
    stage_words,
)


def test_the_bar_never_goes_back_when_a_stage_hands_over() -> None:
    steps = [
        ("setup", 0, 2),
        ("setup", 2, 2),
        ("stage_a", 0, 30),
        ("stage_a", 30, 30),
        ("stage_b", 1, 63),
        ("stage_b", 63, 63),
    ]
    fractions = [overall_fraction(*step) for step in steps]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == pytest.approx(1.0)
    assert overall_fraction("stage_a", 15, 30) == pytest.approx(0.1 + 0.45 / 2)
    assert overall_fraction(None, 0, 0) == 0.0


def test_stage_names_and_eta() -> None:
    assert stage_words("stage_b") == "Stage B: scoring the risk grid"
    assert stage_words(None) == "waiting for a worker"
    assert eta_seconds(30.0, 0.25) == pytest.approx(90.0)
    assert eta_seconds(0.0, 0.0) is None


def test_walk_forward_fold_stages_share_one_bar() -> None:
    assert overall_fraction("fold 1/4: setup", 0, 1) == 0.0
    assert overall_fraction("fold 2/4: stage_b", 5, 5) == pytest.approx(0.5)
    assert overall_fraction("fold 4/4: stage_b", 5, 5) == pytest.approx(1.0)
    assert stage_words("fold 3/4: stage_a") == "fold 3/4: Stage A: scoring base variants"
