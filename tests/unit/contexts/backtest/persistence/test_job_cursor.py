from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.contexts.backtest.adapters.outbound.persistence.job_cursor import decode_cursor, encode_cursor
from trading.shared.errors import DomainError

JOB_ID = UUID("12345678-1234-5678-1234-567812345678")


def test_cursor_is_url_safe_and_pinned() -> None:
    cursor = encode_cursor(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), JOB_ID)
    assert cursor == "MjAyNi0wMS0wMlQwMzowNDowNS4wMDAwMDYrMDA6MDB8MTIzNDU2NzgtMTIzNC01Njc4LTEyMzQtNTY3ODEyMzQ1Njc4"
    assert decode_cursor(cursor) == (datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), JOB_ID)


@given(
    moment=st.datetimes(datetime(1970, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC)),
    offset_minutes=st.integers(-600, 600),
    job_id=st.uuids(),
)
def test_cursor_round_trips_any_instant_and_id(moment: datetime, offset_minutes: int, job_id: UUID) -> None:
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    created_at, decoded_id = decode_cursor(encode_cursor(local, job_id))
    assert (created_at, decoded_id) == (local, job_id)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64 !",
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00|not-a-uuid").decode(),
        base64.urlsafe_b64encode(f"2026-01-01T00:00:00|{JOB_ID}".encode()).decode(),  # naive time
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_anything_else_is_an_invalid_cursor(cursor: str) -> None:
    with pytest.raises(DomainError) as refused:
        decode_cursor(cursor)
    assert (refused.value.code, refused.value.status) == ("invalid_cursor", 422)
