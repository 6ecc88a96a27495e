"""The opaque keyset cursor of job listings: the (created_at, id) of the last job on the page."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from uuid import UUID

from trading.shared.errors import DomainError


def encode_cursor(created_at: datetime, job_id: UUID) -> str:
    text = f"{created_at.isoformat(timespec='microseconds')}|{job_id}"
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """Raises DomainError `invalid_cursor` for anything `encode_cursor` did not produce."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        created_text, id_text = text.split("|")
        created_at = datetime.fromisoformat(created_text)
        if created_at.tzinfo is None:
            raise ValueError("naive timestamp")
        return created_at, UUID(id_text)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise DomainError(code="invalid_cursor", message="the page cursor is not valid") from exc
