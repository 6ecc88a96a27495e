"""Tokens are stored only as their SHA-256, so a leaked config does not leak credentials."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    """The `token_sha256` value to put in the auth config for this bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
