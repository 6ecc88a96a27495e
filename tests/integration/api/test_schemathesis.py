"""Property-based fuzzing of every /api/* operation from the served OpenAPI document (schemathesis):
no generated input, valid or not, may produce a 5xx, invalid input must be refused with a documented
4xx, and answers must match the declared schemas. Schema-valid input may still be refused: cross-field
rules (end after start, known indicator ids, stored instruments) are beyond JSON Schema, so positive
acceptance is not checked."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.integration.api.conftest import LiveServer

MAX_EXAMPLES = 20
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def documented_operations(real_server: LiveServer) -> int:
    """Every /api/* operation the served document lists, but the sync search."""
    paths = httpx.get(f"{real_server.base_url}/openapi.json").json()["paths"]
    return sum(
        1
        for path, item in paths.items()
        if path.startswith("/api/")
        for method in item
        if method in HTTP_METHODS and (method, path) != ("post", "/api/backtests")
    )


@pytest.fixture(scope="module")
def api_schema(real_server: LiveServer) -> BaseSchema:
    """The served document; the sync search itself is left out (random grids may legitimately run long)."""
    loaded = schemathesis.openapi.from_url(f"{real_server.base_url}/openapi.json")
    return loaded.include(path_regex="^/api/").exclude(method="POST", path="/api/backtests")


def _negatable(operation: APIOperation) -> bool:
    """Only a body or query parameters can be made invalid; a free-form path id or header cannot."""
    return bool(operation.body) or bool(operation.query)


def _fuzz(operation: APIOperation, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    call()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_get_no_server_error_and_match_the_schema(
    api_schema: BaseSchema, documented_operations: int, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == documented_operations >= 13  # none dropped as unparseable
    if mode is GenerationMode.NEGATIVE:
        operations = [operation for operation in operations if _negatable(operation)]
    failures: dict[str, str] = {}
    for operation in operations:
        try:
            _fuzz(operation, mode)
        except (Exception, BaseExceptionGroup) as exc:  # one report covering every operation
            failures[operation.label] = str(exc)[:3000]
    assert failures == {}, "\n\n".join(f"{label}: {failure}" for label, failure in failures.items())
