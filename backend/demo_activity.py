"""Sessions and roll calls for the demo groups, added by the scheduling and attendance features."""

from __future__ import annotations

from typing import Any


async def add_demo_activity(groups_with_owners: list[tuple[Any, Any]], members: list[Any]) -> None:
    from backend.scheduling.demo import add_demo_sessions

    await add_demo_sessions(groups_with_owners, members)
    # Roll calls come last: they need the sessions the scheduling feature adds above.
    from backend.attendance.demo import add_demo_rolls

    await add_demo_rolls(groups_with_owners)
