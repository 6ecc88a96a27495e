"""Refuse request bodies over the configured size while they arrive (413), before anything parses them.

A declared `Content-Length` over the limit is refused before one byte is read; a chunked body is
counted as it streams and refused as soon as it passes the limit (a 300 MB body was read in full).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apps.api.errors import error_response
from trading.shared.errors import DomainError


def body_too_large(limit: int) -> DomainError:
    return DomainError(
        "request_too_large", f"the request body exceeds {limit:,} bytes", status=413, extra={"max_bytes": limit}
    )


class BodyTooLarge(HTTPException):
    """Raised from `receive`; an HTTPException so FastAPI's body reader passes it on instead of
    turning it into a 400, and the error handlers answer 413 `request_too_large`."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, body_too_large(limit).message)


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared_length(scope) > self.max_bytes:
            await error_response(body_too_large(self.max_bytes))(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await error_response(body_too_large(self.max_bytes))(scope, receive, send)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0
