"""Which binds `trading serve` accepts with auth off, what it warns, and which Host names it trusts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import typer

from apps.api.trusted_hosts import host_name
from apps.cli.serve import exposure_settings, is_loopback
from tests.unit.apps.api.api_support import auth_on, make_settings


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_loopback_binds_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3"])
def test_a_non_loopback_bind_with_auth_off_is_refused_without_the_flag(host: str, tmp_path: Path) -> None:
    with pytest.raises(typer.BadParameter, match="--insecure-no-auth"):
        exposure_settings(make_settings(tmp_path), host, insecure_no_auth=False, allowed_hosts=[])


def test_the_insecure_flag_serves_with_a_warning_and_no_host_check(tmp_path: Path) -> None:
    settings, warning = exposure_settings(make_settings(tmp_path), "0.0.0.0", insecure_no_auth=True, allowed_hosts=[])
    assert warning is not None and "auth OFF" in warning
    assert settings.trusted_hosts is None


def test_auth_on_may_bind_anywhere_silently_and_named_hosts_are_then_checked(tmp_path: Path) -> None:
    secured = replace(make_settings(tmp_path), auth=auth_on())
    settings, warning = exposure_settings(secured, "0.0.0.0", insecure_no_auth=False, allowed_hosts=["api.example"])
    assert (warning, settings.trusted_hosts) == (None, ("api.example",))


def test_a_loopback_bind_trusts_loopback_names_plus_the_allowed_ones(tmp_path: Path) -> None:
    settings, warning = exposure_settings(make_settings(tmp_path), "127.0.0.1", False, ["box.lan"])
    assert (warning, settings.trusted_hosts) == (None, ("127.0.0.1", "localhost", "::1", "box.lan"))


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("localhost:8000", "localhost"),
        ("LocalHost", "localhost"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("evil.example:80", "evil.example"),
        ("", ""),
    ],
)
def test_host_header_names_drop_the_port_and_case(header: str, name: str) -> None:
    assert host_name(header) == name
