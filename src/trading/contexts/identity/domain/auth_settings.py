"""The `auth` config section: `{enabled: bool, tokens: [{user_id, token_sha256}]}`, checked strictly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TokenGrant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: str = Field(min_length=1, max_length=200, pattern=r"^\S+$")
    # A raw token pasted here by mistake fails this pattern instead of silently never matching.
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class AuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    tokens: tuple[TokenGrant, ...] = ()

    @model_validator(mode="after")
    def _usable(self) -> AuthSettings:
        if self.enabled and not self.tokens:
            raise ValueError("auth.enabled is true but no tokens are configured; nobody could sign in")
        hashes = [grant.token_sha256 for grant in self.tokens]
        if len(set(hashes)) != len(hashes):
            raise ValueError("the same token_sha256 is configured more than once")
        return self


def parse_auth_settings(raw: Mapping[str, Any] | None) -> AuthSettings:
    """The parsed `auth` mapping (None or empty = auth off); raises pydantic.ValidationError naming the key."""
    return AuthSettings.model_validate(dict(raw or {}))
