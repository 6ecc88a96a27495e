"""Axis specs: exact decimal ranges, explicit order kept, duplicates, types and bounds rejected."""

from __future__ import annotations

import time
from typing import Any

import pytest

from trading.contexts.indicators.domain.grid_axis import MAX_AXIS_VALUES, GridAxis, InvalidAxis, parse_axis, range_count
from trading.contexts.indicators.domain.param_spec import ParamSpec, float_param, int_param
from trading.contexts.indicators.domain.price_sources import SOURCES

WINDOW = int_param("window", 2, 500, {"mode": "explicit", "values": [20]})
MULT = float_param("multiplier", 0.1, 10.0, {"mode": "explicit", "values": [2.0]})
SOURCE = ParamSpec("source", "choice", {"mode": "explicit", "values": ["close"]}, choices=SOURCES)


def test_float_range_uses_exact_decimal_steps() -> None:
    axis = parse_axis({"mode": "range", "start": 0.5, "stop_incl": 4.0, "step": 0.01}, MULT)
    assert len(axis) == 351
    assert axis.values[0] == 0.5
    assert axis.values[1] == 0.51
    assert axis.values[70] == 1.2  # float accumulation would give 1.2000000000000002
    assert axis.values[-1] == 4.0


def test_int_range_is_inclusive() -> None:
    axis = parse_axis({"mode": "range", "start": 5, "stop_incl": 20, "step": 5}, WINDOW)
    assert axis == GridAxis("window", (5, 10, 15, 20))
    assert all(type(v) is int for v in axis.values)


def test_range_stop_not_on_step_ends_at_last_full_step() -> None:
    assert parse_axis({"mode": "range", "start": 5, "stop_incl": 19, "step": 5}, WINDOW).values == (5, 10, 15)


def test_explicit_keeps_the_given_order() -> None:
    assert parse_axis({"mode": "explicit", "values": [30, 5, 12]}, WINDOW).values == (30, 5, 12)


def test_scalar_is_a_one_value_axis() -> None:
    assert parse_axis(14, WINDOW).values == (14,)
    assert parse_axis("hl2", SOURCE).values == ("hl2",)


def test_json_widened_whole_number_is_accepted_as_int() -> None:
    axis = parse_axis({"mode": "range", "start": 5.0, "stop_incl": 7.0, "step": 1.0}, WINDOW)
    assert axis.values == (5, 6, 7)
    assert all(type(v) is int for v in axis.values)


@pytest.mark.parametrize(
    ("raw", "spec", "code", "fragment"),
    [
        ({"mode": "explicit", "values": [5, 10, 5]}, WINDOW, "duplicate_values", "5"),
        ({"mode": "explicit", "values": [1.5, 1.50]}, MULT, "duplicate_values", "1.5"),
        ({"mode": "explicit", "values": [5, 10.5]}, WINDOW, "invalid_type", "10.5"),
        ({"mode": "range", "start": 5, "stop_incl": 20, "step": 2.5}, WINDOW, "invalid_type", "2.5"),
        ({"mode": "explicit", "values": [True]}, WINDOW, "invalid_type", "True"),
        ({"mode": "explicit", "values": ["20"]}, WINDOW, "invalid_type", "'20'"),
        ({"mode": "explicit", "values": [1]}, WINDOW, "out_of_bounds", "[2, 500]"),
        ({"mode": "range", "start": 100, "stop_incl": 501, "step": 1}, WINDOW, "out_of_bounds", "501"),
        ({"mode": "range", "start": 0.0, "stop_incl": 1.0, "step": 0.1}, MULT, "out_of_bounds", "0.0"),
        ({"mode": "range", "start": 20, "stop_incl": 10, "step": 1}, WINDOW, "invalid_axis", "below start"),
        ({"mode": "range", "start": 2, "stop_incl": 10, "step": 0}, WINDOW, "invalid_axis", "step must be > 0"),
        ({"mode": "range", "start": 2, "stop_incl": 10}, WINDOW, "invalid_axis", "missing ['step']"),
        ({"mode": "explicit", "values": [5], "step": 1}, WINDOW, "invalid_axis", "unknown ['step']"),
        ({"mode": "explicit", "values": []}, WINDOW, "invalid_axis", "non-empty"),
        ({"mode": "grid", "values": [5]}, WINDOW, "invalid_axis", "'grid'"),
        ({"mode": "explicit", "values": ["close", "vwap"]}, SOURCE, "out_of_bounds", "'vwap'"),
        ({"mode": "range", "start": 1, "stop_incl": 2, "step": 1}, SOURCE, "invalid_axis", "explicit list"),
        ({"mode": "range", "start": 0.1, "stop_incl": 10.0, "step": 0.00001}, MULT, "too_many_values", "990001 values"),
    ],
)
def test_bad_axes_are_rejected(raw: Any, spec: ParamSpec, code: str, fragment: str) -> None:
    with pytest.raises(InvalidAxis) as caught:
        parse_axis(raw, spec)
    assert caught.value.code == code
    assert fragment in caught.value.message


@pytest.mark.parametrize("token", [float("nan"), float("inf"), float("-inf"), 1e300, -1e300])
@pytest.mark.parametrize("key", ["start", "stop_incl", "step"])
def test_non_finite_or_huge_range_numbers_are_refused_before_counting(token: float, key: str) -> None:
    raw = {"mode": "range", "start": 0.5, "stop_incl": 4.0, "step": 0.5} | {key: token}
    if (key, token) == ("step", 1e300):  # legal: one value
        assert parse_axis(raw, MULT).values == (0.5,)
        return
    with pytest.raises(InvalidAxis) as caught:
        parse_axis(raw, MULT)
    assert caught.value.code in {"invalid_type", "out_of_bounds", "invalid_axis"}


@pytest.mark.parametrize(
    ("start", "stop", "step", "fragment"),
    [(0.0, 1.0, 1e-300, "about 1e+300 values"), (-1e308, 1e308, 1.0, "about inf values"), (0.0, 1.0, 1e-5, "100001")],
)
def test_range_count_is_arithmetic_even_when_exact_decimal_division_would_overflow(
    start: float, stop: float, step: float, fragment: str
) -> None:
    with pytest.raises(InvalidAxis) as caught:
        range_count(start, stop, step)
    assert caught.value.code == "too_many_values" and fragment in caught.value.message


def test_duplicate_check_of_explicit_axes_is_linear() -> None:
    """100k values with one duplicate took 119 s (list.count per value); now ~10x the 10k time. Timed
    in this thread's CPU time: wall time let another process's burst on a shared machine slow only
    the large runs past the bound."""
    wide = float_param("level", 0.0, 1e9, {"mode": "explicit", "values": [1.0]})

    def refusal_seconds(n: int) -> float:
        values = [float(v) for v in range(n)] + [0.0]
        started = time.thread_time()
        with pytest.raises(InvalidAxis) as caught:
            parse_axis({"mode": "explicit", "values": values[:MAX_AXIS_VALUES]}, wide)
        assert caught.value.code == "duplicate_values" and caught.value.message.endswith(": 0.0")
        return time.thread_time() - started

    small = min(refusal_seconds(10_000) for _ in range(3))
    large = min(refusal_seconds(MAX_AXIS_VALUES - 1) for _ in range(3))
    assert large < 40 * small  # linear is ~10x; quadratic would be ~100x
