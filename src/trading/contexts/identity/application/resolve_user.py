"""Who is calling: a bearer token mapped to a user id, or the single local user when auth is off."""

from __future__ import annotations

import hmac

from trading.contexts.identity.domain.auth_settings import AuthSettings
from trading.contexts.identity.domain.token_hash import hash_token
from trading.shared.errors import DomainError

LOCAL_USER_ID = "local"
_BEARER = "bearer"


def resolve_user(authorization_header: str | None, settings: AuthSettings) -> str:
    """The caller's user id; DomainError 401 `unauthorized` when auth is on and the token is missing or unknown."""
    if not settings.enabled:
        return LOCAL_USER_ID
    token = _bearer_token(authorization_header)
    if token is None:
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    presented = hash_token(token)
    # Compare against every grant without stopping early, so timing reveals neither match nor position.
    user_id: str | None = None
    for grant in settings.tokens:
        if hmac.compare_digest(presented, grant.token_sha256):
            user_id = grant.user_id
    if user_id is None:
        raise _unauthorized("invalid bearer token")
    return user_id


def _bearer_token(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == _BEARER and token else None


def _unauthorized(message: str) -> DomainError:
    return DomainError(code="unauthorized", message=message, status=401)
