"""A hand-written hostile corpus against the real use cases: every input a careless or hostile user
sent in the probe of issue 12 is refused with a 4xx that names the field, none reaches a 500, and the
huge grids are refused by counting (no memory spike) rather than by building them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.api.app import create_app
from tests.unit.apps.api.api_support import grid_request, make_settings, sample_payload

RUN, PREFLIGHT, REPORT = "/api/backtests", "/api/backtests/preflight", "/api/backtests/variant-report"
NON_FINITE = ("NaN", "Infinity", "-Infinity")
RISK_10K = [round(0.001 * i, 3) for i in range(1, 10_001)]  # 10,000 distinct values in (0, 100)


def _raw(body: dict[str, Any], marker_value: str) -> str:
    """JSON text with the string "@" replaced by a raw token (NaN and Infinity are not JSON values
    json.dumps would write inside a string)."""
    return json.dumps(body).replace('"@"', marker_value)


def _sma_range(**axis: Any) -> dict[str, Any]:
    window = {"mode": "range", "start": 5, "stop_incl": 10, "step": 1} | axis
    return grid_request(indicators=[{"indicator_id": "ma.sma", "params": {"window": window}}])


def _risk_range(**axis: Any) -> dict[str, Any]:
    return grid_request(risk={"sl_pct": {"mode": "range", "start": 1.0, "stop_incl": 2.0, "step": 0.5} | axis})


def _sma_pair(
    *, rules: Any = None, constraints: Any = None, aliases: tuple[str | None, str | None] = ("fast", "slow")
) -> dict[str, Any]:
    """Two aliased SMA instances with a cross rule and a constraint, each replaceable by a hostile one."""
    windows = ({"mode": "explicit", "values": [3, 5]}, {"mode": "explicit", "values": [8, 12]})
    indicators = []
    for alias, window in zip(aliases, windows, strict=True):
        indicators.append(
            {"indicator_id": "ma.sma", "params": {"window": window}} | ({"alias": alias} if alias else {})
        )
    return grid_request(
        indicators=indicators,
        rules=rules if rules is not None else [{"type": "cross", "first": "fast", "second": "slow"}],
        param_constraints=constraints
        if constraints is not None
        else [{"left": "fast.window", "op": "<", "right": "slow.window"}],
    )


def _instance_cases() -> list[tuple[str, dict[str, Any], str, str]]:
    """Aliases, cross rules and param constraints that name nothing, the wrong thing or one thing twice."""
    cross = {"type": "cross", "first": "fast", "second": "slow"}
    return [
        (
            "rule names an unknown alias",
            _sma_pair(rules=[cross | {"second": "slw"}]),
            "unknown_alias",
            "body.rules[0].second",
        ),
        ("duplicate alias", _sma_pair(aliases=("fast", "fast")), "duplicate_alias", "body.indicators[1].alias"),
        (
            "one id twice without aliases",
            _sma_pair(aliases=(None, None), rules=[], constraints=[]),
            "missing_alias",
            "body.indicators[1].alias",
        ),
        (
            "self-cross",
            _sma_pair(rules=[cross | {"second": "fast"}], constraints=[]),
            "self_cross",
            "body.rules[0].second",
        ),
        (
            "constraint on a non-numeric param",
            _sma_pair(constraints=[{"left": "fast.source", "op": "<", "right": "slow.window"}]),
            "not_numeric",
            "body.param_constraints[0].left",
        ),
        (
            "constraint names an unknown alias",
            _sma_pair(constraints=[{"left": "fast.window", "op": "<", "right": "medium.window"}]),
            "unknown_alias",
            "body.param_constraints[0].right",
        ),
        (
            "constraint names an unknown param",
            _sma_pair(constraints=[{"left": "fast.length", "op": "<", "right": "slow.window"}]),
            "unknown_param",
            "body.param_constraints[0].left",
        ),
        (
            "constraint on one instance",
            _sma_pair(constraints=[{"left": "fast.window", "op": "<", "right": "fast.window"}]),
            "not_crossed",
            "body.param_constraints[0]",
        ),
        (
            "constraint keeps no pair",
            _sma_pair(constraints=[{"left": "fast.window", "op": ">", "right": "slow.window"}]),
            "empty_grid",
            "body.param_constraints",
        ),
        ("alias with a dot", _sma_pair(aliases=("fa.st", "slow")), "validation_error", "body.indicators[0].alias"),
        (
            "constraint op '=='",
            _sma_pair(constraints=[{"left": "fast.window", "op": "==", "right": "slow.window"}]),
            "validation_error",
            "body.param_constraints[0].op",
        ),
    ]


# (name, JSON text, expected status, expected error or detail code, a path the answer must name)
Case = tuple[str, str, int, str, str]


def _corpus() -> list[Case]:
    cases: list[Case] = []
    for token in (*NON_FINITE, "1e300", "-1e300"):
        for key in ("start", "stop_incl", "step"):
            if (key, token) == ("step", "1e300"):
                continue  # a legal one-value range
            cases.append((f"indicator range {key}={token}", _raw(_sma_range(**{key: "@"}), token), 422, "", "window"))
            cases.append((f"risk range {key}={token}", _raw(_risk_range(**{key: "@"}), token), 422, "", "risk.sl_pct"))
    for token in NON_FINITE:
        explicit = grid_request(risk={"tp_pct": {"mode": "explicit", "values": ["@"]}})
        cases.append((f"risk explicit {token}", _raw(explicit, token), 422, "", "risk.tp_pct"))
        cases.append((f"fee {token}", _raw(grid_request(execution={"fee_pct": "@"}), token), 422, "", "fee_pct"))
    huge_axis = {"mode": "range", "start": 0.001, "stop_incl": 99.9, "step": 0.001}
    huge = grid_request(risk={"sl_pct": huge_axis, "tp_pct": huge_axis})
    long_key = grid_request(indicators=[{"indicator_id": "ma.sma", "params": {"k" * 100_000: 5}}])
    text_sl = grid_request(risk={"sl_pct": {"mode": "explicit", "values": ["2"]}})
    one_value = {"mode": "explicit", "values": [30.0]}
    rsi_bogus = grid_request(indicators=[{"indicator_id": "momentum.rsi", "signals": {"bogus": one_value}}])
    sma_threshold = grid_request(indicators=[{"indicator_id": "ma.sma", "signals": {"long_threshold": one_value}}])
    named = [
        ("risk step 1e-300", _risk_range(step=1e-300), "too_many_values", "risk.sl_pct"),
        ("risk 99,900 x 99,900 (was a 74.5 GiB MemoryError)", huge, "too_many_variants", "body.risk"),
        ("top_k true", grid_request(top_k=True), "validation_error", "body.top_k"),
        ("top_k '5'", grid_request(top_k="5"), "validation_error", "body.top_k"),
        ("top_k 1e30", grid_request(top_k=10**30), "validation_error", "body.top_k"),
        ("warmup 5.0", grid_request(warmup_bars=5.0), "validation_error", "body.warmup_bars"),
        ("instrument newline", grid_request(instrument_id="1:BTCUSDT\n"), "validation_error", "body.instrument_id"),
        ("instrument space", grid_request(instrument_id="1:BTCUSDT "), "validation_error", "body.instrument_id"),
        ("instrument NUL", grid_request(instrument_id="1:BTC\u0000"), "validation_error", "body.instrument_id"),
        ("timeframe 100k chars", grid_request(timeframe="h" * 100_000), "validation_error", "body.timeframe"),
        ("param key 100k chars", long_key, "validation_error", "body.indicators[0].params"),
        ("window true", _sma_range(start=True), "validation_error", "window"),
        ("sl string", text_sl, "validation_error", "sl_pct"),
        ("unknown signal param", rsi_bogus, "unknown_param", "body.indicators[0].signals.bogus"),
        ("signal param of an indicator without signals", sma_threshold, "unknown_param", "signals.long_threshold"),
        ("body not an object", [], "validation_error", "body"),
    ]
    cases += [(name, json.dumps(body), 422, code, path) for name, body, code, path in named + _instance_cases()]
    cases.append(("body invalid json", '{"instrument_id": ', 422, "validation_error", "body"))
    return cases


CORPUS = _corpus()


@pytest.fixture(scope="module")
def hostile_client(candles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    database = tmp_path_factory.mktemp("hostile") / "jobs.sqlite3"
    with TestClient(create_app(make_settings(candles_dir, database_url=f"sqlite:///{database}"))) as client:
        yield client


def _post(client: TestClient, path: str, text: str) -> Any:
    return client.post(path, content=text, headers={"content-type": "application/json"})


@pytest.mark.parametrize(("name", "text", "status", "code", "path"), CORPUS, ids=[case[0] for case in CORPUS])
@pytest.mark.parametrize("endpoint", [PREFLIGHT, RUN, "/api/backtests/jobs"])
def test_hostile_input_is_a_4xx_naming_the_field(
    hostile_client: TestClient, endpoint: str, name: str, text: str, status: int, code: str, path: str
) -> None:
    response = _post(hostile_client, endpoint, text)
    assert response.status_code == status, response.text[:500]
    error = response.json()["error"]
    assert not code or code in {error["code"], *(detail["code"] for detail in error["details"])}
    assert any(path in detail["path"] for detail in error["details"]), error
    assert len(response.content) < 4_000  # no input is echoed back at length


def test_a_variant_payload_names_each_indicator_once_and_only_their_signal_params(
    hostile_client: TestClient,
) -> None:
    payload = sample_payload().model_dump()
    run_context = {k: grid_request()[k] for k in ("instrument_id", "timeframe", "time_range")}
    twice = payload | {"indicator_selections": payload["indicator_selections"] * 2}
    absent = payload | {"signal_params": {"momentum.rsi": {"long_threshold": 30.0}}}
    no_side = payload | {"rules": [{"type": "cross", "first": "fast", "second": "slow"}]}
    for variant, fragment in ((twice, "more than once"), (absent, "momentum.rsi"), (no_side, "fast, slow")):
        response = hostile_client.post(REPORT, json={"run_context": run_context, "variant": variant})
        assert response.status_code == 422
        (detail,) = response.json()["error"]["details"]
        assert detail["path"] == "body.variant" and fragment in detail["message"]


def _peak_rss_bytes() -> int:
    """VmHWM, the peak resident set since the last reset (`clear_refs` 5 resets it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def _measure(call: Callable[[], Any]) -> tuple[float, int]:
    Path("/proc/self/clear_refs").write_text("5")
    before = _peak_rss_bytes()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started, _peak_rss_bytes() - before


def test_huge_grids_are_refused_by_counting_not_by_building(hostile_client: TestClient) -> None:
    """10,000 x 10,000 explicit risk values (1e8 variants: once 10.9 GB and no answer in 120 s) and
    a 1e-300 step cost what a schema refusal costs, give or take; the peak RSS hardly moves."""
    axis = {"mode": "explicit", "values": RISK_10K}
    risk_grid = json.dumps(grid_request(risk={"sl_pct": axis, "tp_pct": axis}))
    tiny_step = json.dumps(_risk_range(step=1e-300))
    schema_refusal = json.dumps(grid_request(top_k=True))
    for text in (risk_grid, tiny_step, schema_refusal):  # warm every code path once
        assert _post(hostile_client, RUN, text).status_code == 422
    floor = min(_measure(lambda: _post(hostile_client, RUN, schema_refusal))[0] for _ in range(5))
    for text in (risk_grid, tiny_step):
        seconds, peak_growth = min(_measure(lambda t=text: _post(hostile_client, RUN, t)) for _ in range(3))
        assert peak_growth < 50 * 2**20
        assert seconds < max(0.1, 25 * floor)  # generous: the body itself is 160 kB of JSON to parse
