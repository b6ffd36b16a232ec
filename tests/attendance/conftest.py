"""Sessions for attendance tests, inserted directly (test set-up, not the scheduling API)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from backend.scheduling.tables import Session


def days_ago(days: float, hour: int = 10) -> datetime:
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base - timedelta(days=days)


@pytest.fixture
def make_sessions() -> Callable[..., Awaitable[list[int]]]:
    async def make(
        group_id: int, starts: list[datetime], *, status: str = "scheduled"
    ) -> list[int]:
        rows = await Session.insert(
            *[
                Session(
                    group=group_id,
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    status=status,
                    updated_at=start,
                    topic="Session",
                )
                for start in starts
            ]
        ).returning(Session.id)
        return [r["id"] for r in rows]

    return make
