"""Every failure leaves the API in one shape: `{"error": {"code", "message", "details": [...]}}`.

Request validation, DomainError, routing errors (404/405) and unexpected exceptions all map to
DomainError.payload(), so clients and the UI parse one format and show details next to fields.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pydantic_core
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trading.shared.errors import DomainError, ErrorDetail, loc_path

logger = logging.getLogger("apps.api")

_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}
# No message or path in an answer carries more than this many characters of a user's input.
MAX_ECHO_CHARS = 300
_VALUE_ERROR_PREFIXES = ("Value error, ", "Assertion failed, ")


class ErrorDetailBody(BaseModel):
    path: str
    code: str
    message: str


class ErrorBody(BaseModel):
    """Guards may add extra keys (e.g. the requested vs allowed numbers)."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    details: list[ErrorDetailBody]


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring the error shape for the given statuses."""
    return {status: {"model": ErrorResponse, "description": "Error"} for status in statuses}


class ErrorJSONResponse(JSONResponse):
    """Non-finite floats become null, so an error payload is always valid JSON."""

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(content, inf_nan_mode="null")


def error_response(error: DomainError) -> ErrorJSONResponse:
    """`extra.retry_after_seconds` of a 429 / 503 (busy, quota, store) becomes the `Retry-After` header."""
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    if error.status in (429, 503) and "retry_after_seconds" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after_seconds"])
    return ErrorJSONResponse(_clipped(error.payload()), status_code=error.status, headers=headers)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ECHO_CHARS else text[: MAX_ECHO_CHARS - 3] + "..."


def _clipped(payload: dict[str, Any]) -> dict[str, Any]:
    """Messages and paths may quote user input (a key, a value); none is echoed beyond MAX_ECHO_CHARS."""
    body = payload["error"]
    body["message"] = _clip(body["message"])
    body["details"] = [{k: _clip(v) if k != "code" else v for k, v in d.items()} for d in body["details"]]
    return payload


def _line_and_column(text: str, offset: int) -> str:
    before = text[:offset].split("\n")
    return f"line {len(before)}, column {len(before[-1]) + 1}, "


def _detail(error: dict[str, Any], body: Any = None) -> ErrorDetail:
    loc, code = tuple(error.get("loc", ())), str(error.get("type", "invalid"))
    message = str(error.get("msg", ""))
    for prefix in _VALUE_ERROR_PREFIXES:
        message = message.removeprefix(prefix)
    if code == "json_invalid" and len(loc) == 2:
        # FastAPI puts the character offset where a list index would go; keep it out of the path.
        offset = loc[1] if isinstance(loc[1], int) else None
        where = _line_and_column(body, offset) if isinstance(body, str) and offset is not None else ""
        reason = (error.get("ctx") or {}).get("error")
        because = f": {reason}" if reason else ""
        return ErrorDetail(str(loc[0]), code, f"{message} at {where}character {loc[1]}{because}")
    return ErrorDetail(loc_path(loc), code, message)


def validation_error(errors: Sequence[Any], body: Any = None) -> DomainError:
    """`body` (the raw text, for a JSON syntax error) lets the message name the line and column."""
    details = [_detail(err, body) for err in errors]
    noun = "problem" if len(details) == 1 else "problems"
    return DomainError("validation_error", f"the request is invalid ({len(details)} {noun})", details=details)


def _under_body(path: str) -> str:
    if path == "body" or path.startswith(("body.", "body[")):
        return path
    return f"body.{path}" if path else "body"


@contextmanager
def body_field_errors() -> Iterator[None]:
    """Application errors name fields relative to the request; on the wire they sit under `body`, like
    FastAPI's own validation paths, so one path format reaches the client."""
    try:
        yield
    except DomainError as exc:
        details = [ErrorDetail(_under_body(d.path), d.code, d.message) for d in exc.details]
        raise replace(exc, details=details) from exc


def internal_error() -> DomainError:
    return DomainError("internal_error", "unexpected server error; it has been logged", status=500)


async def _on_domain_error(_: Request, exc: Exception) -> ErrorJSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(exc)


async def _on_validation_error(_: Request, exc: Exception) -> ErrorJSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(validation_error(exc.errors(), exc.body))


async def _on_http_error(_: Request, exc: Exception) -> ErrorJSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "internal_error" if exc.status_code >= 500 else "http_error")
    response = error_response(DomainError(code, str(exc.detail), status=exc.status_code))
    response.headers.update(exc.headers or {})
    return response


class InternalErrorMiddleware:
    """Turns an unexpected exception into a logged 500 with the error shape (no traceback leaks)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(internal_error())(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_middleware(InternalErrorMiddleware)
