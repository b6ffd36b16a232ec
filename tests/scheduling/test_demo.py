"""The demo's weekly series, scheduled through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend.demo import load_demo
from backend.groups.tables import Group
from backend.scheduling.demo import WEEKS, add_demo_sessions
from backend.scheduling.tables import Session


async def test_demo_groups_get_twelve_weekly_sessions_eight_in_the_past(app):
    assert await load_demo() is not None
    groups = await Group.select(Group.id, Group.timezone)
    assert groups
    moment = datetime.now(UTC)
    for group in groups:
        rows = (
            await Session.select(Session.starts_at, Session.status, Session.guide)
            .where(Session.group == group["id"])
            .order_by(Session.starts_at)
        )
        assert len(rows) == WEEKS
        local = [r["starts_at"].astimezone(ZoneInfo(group["timezone"])) for r in rows]
        assert len({(t.weekday(), t.hour, t.minute) for t in local}) == 1
        # Eight weeks ago to four weeks ahead; today's may be over already.
        assert sum(r["starts_at"] < moment for r in rows) in (8, 9)
        assert all(r["guide"] for r in rows)


async def test_add_demo_sessions_returns_them_by_group(facilitator, new_group):
    from backend.groups.schemas import GroupRead

    group = GroupRead(**await new_group(timezone="Asia/Makassar"))
    created = await add_demo_sessions([(group, facilitator.user)])
    assert list(created) == [group.id]
    assert len(created[group.id]) == WEEKS
    assert all(s.starts_at.utcoffset().total_seconds() == 8 * 3600 for s in created[group.id])
