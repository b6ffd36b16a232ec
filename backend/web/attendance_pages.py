"""Pages for roll calls, attendance history and reports.

``pages.py`` merges the context these functions return into the dashboard, the group page
and the member's page, and mounts ``CONTROLLERS``.
"""

from __future__ import annotations

from typing import Any

from backend.accounts.schemas import CurrentUser

CONTROLLERS: tuple = ()


async def dashboard_context(user: CurrentUser) -> dict[str, Any]:
    return {}


async def group_context(user: CurrentUser, group_id: int) -> dict[str, Any]:
    return {}


async def my_context(user: CurrentUser) -> dict[str, Any]:
    return {}
