"""Every 4xx/5xx has one shape; validation details are sorted and point at the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.api.errors import validation_error
from tests.unit.apps.api.api_support import FakeUseCases, bearer, grid_request
from tests.unit.apps.api.conftest import ClientFactory
from trading.contexts.identity.domain.auth_settings import AuthSettings
from trading.shared.errors import DomainError, loc_path


def _assert_error_shape(body: dict[str, Any]) -> dict[str, Any]:
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "details"} <= set(error)
    assert isinstance(error["message"], str) and error["message"]
    for detail in error["details"]:
        assert set(detail) == {"path", "code", "message"}
    keys = [(d["path"], d["code"], d["message"]) for d in error["details"]]
    assert keys == sorted(keys)
    return error


def test_loc_path_formats_nested_fields_and_indexes() -> None:
    assert loc_path(("body", "indicators", 0, "params", "window")) == "body.indicators[0].params.window"
    assert loc_path(("query", "limit")) == "query.limit"
    assert loc_path(("body",)) == "body"
    assert loc_path(()) == ""


def test_validation_error_strips_pydantic_prefix_and_counts_problems() -> None:
    error = validation_error(
        [
            {"loc": ("body", "b"), "type": "value_error", "msg": "Value error, b is wrong"},
            {"loc": ("body", "a"), "type": "missing", "msg": "Field required"},
        ]
    )
    assert error.status == 422
    assert error.message == "the request is invalid (2 problems)"
    assert error.payload()["error"]["details"] == [
        {"path": "body.a", "code": "missing", "message": "Field required"},
        {"path": "body.b", "code": "value_error", "message": "b is wrong"},
    ]


def test_invalid_body_lists_every_problem_sorted_with_field_paths(client: TestClient, fakes: FakeUseCases) -> None:
    body = grid_request(
        timeframe=None,
        top_k=0,
        indicators=[{"indicator_id": "ma.sma", "params": {"window": {"mode": "range", "start": 5, "stop_incl": 9}}}],
        execution={"fee_pct": -1, "bogus": 1},
    )
    response = client.post("/api/backtests/preflight", json=body)
    assert response.status_code == 422
    error = _assert_error_shape(response.json())
    assert error["code"] == "validation_error"
    assert [(d["path"], d["code"]) for d in error["details"]] == [
        ("body.execution.bogus", "extra_forbidden"),
        ("body.execution.fee_pct", "greater_than_equal"),
        ("body.indicators[0].params.window.range.step", "missing"),
        ("body.timeframe", "string_type"),
        ("body.top_k", "greater_than_equal"),
    ]
    assert error["message"] == "the request is invalid (5 problems)"
    assert fakes.preflight_calls == 0


def test_model_level_rule_is_reported_at_the_body(client: TestClient) -> None:
    response = client.post("/api/backtests/preflight", json=grid_request(indicators=[]))
    error = _assert_error_shape(response.json())
    assert response.status_code == 422
    assert error["details"] == [
        {
            "path": "body",
            "code": "value_error",
            "message": "indicators must name at least one indicator (or give an explicit variant)",
        }
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [("{not json", "json_invalid"), ("", "missing"), ("[1, 2]", "model_attributes_type"), ("\xff", "json_invalid")],
)
def test_unparseable_or_wrong_type_body_is_422(client: TestClient, content: str, code: str) -> None:
    response = client.post("/api/backtests/preflight", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    error = _assert_error_shape(response.json())
    assert [(d["path"], d["code"]) for d in error["details"]] == [("body", code)]


def test_unknown_route_and_wrong_method_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/api/nope")
    assert missing.status_code == 404
    assert _assert_error_shape(missing.json())["code"] == "not_found"
    wrong_method = client.delete("/api/backtests/preflight")
    assert wrong_method.status_code == 405
    assert _assert_error_shape(wrong_method.json())["code"] == "method_not_allowed"
    assert wrong_method.headers["allow"] == "POST"


def test_domain_error_keeps_status_code_and_extra_numbers(client: TestClient, fakes: FakeUseCases) -> None:
    def breach(_: Any) -> None:
        raise DomainError(
            "too_many_variants", "12 variants requested, 10 allowed", status=422, extra={"requested": 12, "allowed": 10}
        )

    fakes.run_hook = breach
    response = client.post("/api/backtests", json=grid_request())
    assert response.status_code == 422
    error = _assert_error_shape(response.json())
    assert (error["code"], error["requested"], error["allowed"]) == ("too_many_variants", 12, 10)


def test_unexpected_exception_is_a_logged_500_with_the_error_shape(
    client: TestClient, fakes: FakeUseCases, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(_: Any) -> None:
        raise RuntimeError("secret internals")

    fakes.run_hook = crash
    response = client.post("/api/backtests", json=grid_request())
    assert response.status_code == 500
    error = _assert_error_shape(response.json())
    assert error["code"] == "internal_error"
    assert "secret" not in response.text
    assert any("secret internals" in (record.exc_text or "") for record in caplog.records)


def test_non_finite_floats_in_errors_serialise_as_null(client: TestClient, fakes: FakeUseCases) -> None:
    def breach(_: Any) -> None:
        raise DomainError("guard", "over", extra={"ratio": float("nan"), "limit": float("inf")})

    fakes.run_hook = breach
    response = client.post("/api/backtests", json=grid_request())
    assert "NaN" not in response.text and "Infinity" not in response.text
    assert response.json()["error"]["ratio"] is None and response.json()["error"]["limit"] is None


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing bearer token: send 'Authorization: Bearer <token>'"),
        ({"Authorization": "Bearer wrong"}, "invalid bearer token"),
        ({"Authorization": "Basic YWxpY2U6eA=="}, "missing bearer token: send 'Authorization: Bearer <token>'"),
    ],
)
def test_auth_on_rejects_missing_or_unknown_tokens_with_401(
    make_client: ClientFactory, auth: AuthSettings, headers: dict[str, str], message: str
) -> None:
    client = make_client(auth=auth)
    for method, path in [("get", "/api/backtests/jobs"), ("get", "/api/indicators"), ("post", "/api/backtests")]:
        response = client.request(method, path, headers=headers, json=grid_request())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        error = _assert_error_shape(response.json())
        assert (error["code"], error["message"]) == ("unauthorized", message)
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/indicators", headers=bearer("alice")).status_code == 200


def test_json_syntax_error_names_line_column_and_character_not_an_index(client: TestClient) -> None:
    body = '{"timeframe": "1h",\n "top_k": }'
    response = client.post("/api/backtests", content=body, headers={"Content-Type": "application/json"})
    assert response.json()["error"]["details"] == [
        {
            "path": "body",
            "code": "json_invalid",
            "message": "JSON decode error at line 2, column 11, character 30: Expecting value",
        }
    ]
