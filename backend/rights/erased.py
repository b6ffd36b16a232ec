"""The one rule other features ask about erasure: an erased member takes no new record."""

from __future__ import annotations

from backend.db import Connection
from backend.domain.rights import RightsAction
from backend.lib.errors import Conflict
from backend.lib.i18n import N_
from backend.rights import queries


async def refuse_if_erased(db: Connection, member_id: int, field: str = "member_id") -> None:
    """409 when the member's data was erased (their consent was withdrawn)."""
    if await queries.erased(db, member_id, RightsAction.ERASE):
        raise Conflict(
            N_("This member's data was erased; they cannot be enrolled again."),
            field=field,
            code="member_erased",
        )


async def erased_members(db: Connection, member_ids: list[int]) -> set[int]:
    """Which of ``member_ids`` had their data erased (no new record is taken about them)."""
    if not member_ids:
        return set()
    return await queries.erased_among(db, member_ids, RightsAction.ERASE)
