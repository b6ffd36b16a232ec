"""A weekly series for each demo group, scheduled through the scheduling service."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.scheduling import service
from backend.scheduling.schemas import SessionCreate, SessionRead

WEEKS = 12
WEEKS_AGO = 8
# (weekday offset from the first day, local start hour, guide followed) per demo group.
PLAN = (
    (0, 16, "mutual-aid-circle"),
    (1, 15, "skills-practice-role-play"),
    (2, 10, "personal-story-to-collective-action"),
    (3, 14, "reducing-isolation"),
)
TOPICS = ("Lingkaran mingguan", "Latihan keterampilan", "Rapat forum", "Sore bersama")


async def add_demo_sessions(
    groups_with_owners: list[tuple[Any, Any]],
) -> dict[int, list[SessionRead]]:
    """12 weekly sessions per group, the first 8 weeks ago, at a local time in the group's
    zone; returns the created sessions by group id."""
    created: dict[int, list[SessionRead]] = {}
    for number, (group, actor) in enumerate(groups_with_owners):
        offset, hour, guide = PLAN[number % len(PLAN)]
        zone = ZoneInfo(group.timezone)
        first_day = datetime.now(zone).date() - timedelta(weeks=WEEKS_AGO) + timedelta(offset)
        result = await service.create_sessions(
            actor,
            group.id,
            SessionCreate(
                first_starts_at=datetime(first_day.year, first_day.month, first_day.day, hour),
                duration_minutes=90,
                rrule=f"FREQ=WEEKLY;COUNT={WEEKS}",
                topic=TOPICS[number % len(TOPICS)],
                guide=guide,
                on_conflict="skip",
            ),
        )
        created[group.id] = result.sessions
    return created
