"""User errors in any CLI command become a short message and exit code 1, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from trading.shared.config_paths import ConfigError
from trading.shared.errors import DomainError

T = TypeVar("T")
USER_ERRORS = (DomainError, ConfigError, ValueError, OSError)
error_console = Console(stderr=True)


def print_error(exc: Exception) -> None:
    """One line, plus `path: message` for each detail the line does not already say."""
    error_console.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
    if isinstance(exc, DomainError):
        for detail in exc.payload()["error"]["details"]:
            if detail["message"] in exc.message:
                continue
            error_console.print(
                f"  {detail['path']}: {detail['message']}", markup=False, highlight=False, soft_wrap=True
            )


def guarded(action: Callable[[], T]) -> T:
    try:
        return action()
    except USER_ERRORS as exc:
        print_error(exc)
        raise typer.Exit(1) from None
