"""Refuse requests whose Host header names a server we are not: a loopback server answers only to
loopback names, so a web page on another origin cannot reach it through DNS rebinding (its requests
carry the attacker's host name)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from apps.api.errors import error_response
from trading.shared.errors import DomainError

LOOPBACK_HOST_NAMES = ("127.0.0.1", "localhost", "::1")
MAX_SHOWN_HOST_CHARS = 100


def host_name(host_header: str) -> str:
    """`Host` without its port, lower-case: `[::1]:8000` -> `::1`, `LocalHost:80` -> `localhost`."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class TrustedHostMiddleware:
    """Answers 421 `untrusted_host` (the API's error shape) unless the Host header names an allowed host."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed_hosts = frozenset(host_name(host) for host in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = host_name(Headers(scope=scope).get("host", ""))
            if host not in self.allowed_hosts:
                response = error_response(untrusted_host_error(host, self.allowed_hosts))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def untrusted_host_error(host: str, allowed: Iterable[str]) -> DomainError:
    shown = host[:MAX_SHOWN_HOST_CHARS] or "(none)"
    return DomainError(
        "untrusted_host",
        f"this server does not answer to host {shown!r}; allowed: {', '.join(sorted(allowed))} "
        "(start it with --allowed-host NAME to add one)",
        status=421,
    )
