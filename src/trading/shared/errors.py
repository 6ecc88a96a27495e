"""One error type for every boundary, so the API can map any failure to the same 4xx payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorDetail:
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


@dataclass
class DomainError(Exception):
    """A user-facing error: `code` is stable and machine-readable, `status` is the HTTP status to use."""

    code: str
    message: str
    details: list[ErrorDetail] = field(default_factory=list)
    status: int = 422
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def payload(self) -> dict[str, Any]:
        """The stable error payload; details sorted so the output never depends on check order."""
        details = sorted((d.as_dict() for d in self.details), key=lambda d: (d["path"], d["code"], d["message"]))
        body: dict[str, Any] = {"code": self.code, "message": self.message, "details": details}
        body.update(self.extra)
        return {"error": body}


def loc_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """`("indicators", 0, "params", "window")` -> `indicators[0].params.window`: how a user points at a
    field of a request or a config file."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
