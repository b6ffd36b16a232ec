"""What each page shows: the dashboard, a group, a member's own page.

Each function gathers one page's data from the services (reads only); the page controllers
render it. Writes are never made here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.attendance import service as attendance
from backend.groups import service as groups
from backend.guides.service import guide_index
from backend.scheduling import service as scheduling

UPCOMING_LIMIT = 50
PAST_LIMIT = 10
REPEATS = {
    "none": "Does not repeat",
    "weekly": "Every week",
    "fortnightly": "Every two weeks",
    "monthly": "Every month (same weekday)",
}


def guide_choices() -> list[tuple[str, str]]:
    return [(e.slug, e.title) for e in guide_index() if e.lang == "en"]


async def dashboard(user: CurrentUser) -> dict[str, Any]:
    listing = await groups.list_groups(user)
    upcoming = await scheduling.list_sessions(user, None, datetime.now(UTC), None, 8, 0)
    return {
        "groups": listing.items,
        "schedule_next": upcoming.items,
        "awaiting_rolls": await attendance.awaiting_roll_calls(user),
    }


async def group(user: CurrentUser, group_id: int) -> dict[str, Any]:
    group = await groups.get_group(user, group_id)
    roster = await groups.roster(user, group_id)
    enrolled = {m.member_id for m in roster.active + roster.waitlist}
    candidates = [
        m for m in (await groups.list_members(user, None, 500, 0)).items if m.id not in enrolled
    ]
    moment = datetime.now(UTC)
    upcoming = await scheduling.list_sessions(user, group_id, moment, None, UPCOMING_LIMIT, 0)
    past = await scheduling.list_sessions(
        user, group_id, None, moment, PAST_LIMIT, 0, newest_first=True
    )
    guides = guide_choices()
    return {
        "group": group,
        "roster": roster,
        "candidates": candidates,
        "schedule_upcoming": upcoming.items,
        "schedule_upcoming_total": upcoming.total,
        "schedule_past": past.items,
        "schedule_past_total": past.total,
        "schedule_guides": guides,
        "guide_titles": dict(guides),
        "schedule_repeats": REPEATS,
        "recent_sessions": await attendance.recent_sessions(group_id),
    }


async def my_page(user: CurrentUser) -> dict[str, Any]:
    if user.member_id is None:
        return {}
    upcoming = await scheduling.member_sessions(
        user.member_id, datetime.now(UTC), None, UPCOMING_LIMIT, 0
    )
    mine = await attendance.member_attendance(user.member_id)
    names = await attendance.group_names(sorted({r.group_id for r in mine.records}))
    return {
        "my_upcoming_sessions": upcoming.items,
        "my_attendance": mine,
        "my_group_names": names,
    }
