from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from trading.contexts.identity.application.resolve_user import LOCAL_USER_ID, resolve_user
from trading.contexts.identity.domain.auth_settings import parse_auth_settings
from trading.contexts.identity.domain.token_hash import hash_token
from trading.shared.errors import DomainError

ALICE_TOKEN = "alice-secret-token"
SETTINGS = parse_auth_settings(
    {
        "enabled": True,
        "tokens": [
            {"user_id": "alice", "token_sha256": hash_token(ALICE_TOKEN)},
            {"user_id": "bob", "token_sha256": hash_token("bob-token")},
        ],
    }
)


def test_token_hash_is_plain_sha256_hex() -> None:
    assert hash_token("secret") == "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"


@pytest.mark.parametrize("header", [None, "", "Bearer abc", f"Bearer {ALICE_TOKEN}"])
def test_auth_off_is_the_single_local_user(header: str | None) -> None:
    assert resolve_user(header, parse_auth_settings(None)) == LOCAL_USER_ID == "local"
    assert resolve_user(header, parse_auth_settings({"enabled": False})) == "local"


@pytest.mark.parametrize(
    ("header", "user"),
    [
        (f"Bearer {ALICE_TOKEN}", "alice"),
        (f"bearer   {ALICE_TOKEN}  ", "alice"),
        ("Bearer bob-token", "bob"),
    ],
)
def test_a_configured_token_names_its_user(header: str, user: str) -> None:
    assert resolve_user(header, SETTINGS) == user


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", f"Basic {ALICE_TOKEN}", ALICE_TOKEN, "Bearer wrong", f"Bearer {ALICE_TOKEN}x"],
)
def test_missing_or_unknown_tokens_are_401(header: str | None) -> None:
    with pytest.raises(DomainError) as refused:
        resolve_user(header, SETTINGS)
    assert (refused.value.code, refused.value.status) == ("unauthorized", 401)
    assert ALICE_TOKEN not in refused.value.message


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"enabled": True}, "no tokens"),
        ({"enabled": True, "tokens": [{"user_id": "a", "token_sha256": "plain-token"}]}, "token_sha256"),
        ({"enabled": True, "tokens": [{"user_id": "", "token_sha256": hash_token("t")}]}, "user_id"),
        ({"enabled": False, "token": []}, "token"),
        ({"tokens": [{"user_id": "a", "token_sha256": hash_token("t"), "role": "x"}]}, "role"),
        (
            {"tokens": [{"user_id": u, "token_sha256": hash_token("same")} for u in ("a", "b")]},
            "more than once",
        ),
    ],
)
def test_bad_auth_config_fails_naming_the_key(raw: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationError, match=key):
        parse_auth_settings(raw)
