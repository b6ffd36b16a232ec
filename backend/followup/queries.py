"""Every statement of the follow-up: who may be drifting (from the kept figures), the statuses
of their latest held sessions, and the contacts recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.access import GroupScope
from backend.db import SQL, Connection
from backend.db.sql import cached
from backend.domain.vocabulary import AttendanceStatus, MembershipStatus
from backend.followup.schemas import ContactRead
from backend.followup.tables import FollowUpContact

ACTIVE = MembershipStatus.ACTIVE.value
EXCUSED = AttendanceStatus.EXCUSED.value

# Members of the scope's groups whose kept figures could put them on the list (a streak, or
# fewer than half of their latest held sessions attended before excused ones are set aside);
# only members still active in the group.
_CANDIDATES = (
    'SELECT f."group" AS group_id, g.name AS group_name, g.timezone, f.member AS member_id, '
    "m.display_name, m.phone, m.phone_key, m.language AS member_language, "
    "(SELECT u.language FROM app_user u WHERE u.member = m.id) AS account_language, "
    "f.absence_streak, f.recent_held, f.recent_attended, f.last_held_at "
    'FROM member_group_figures f JOIN work_group g ON g.id = f."group" '
    "JOIN member m ON m.id = f.member "
    "WHERE (f.absence_streak >= {} OR f.recent_attended * 2 < f.recent_held) "
    'AND EXISTS (SELECT 1 FROM membership ms WHERE ms."group" = f."group" '
    "AND ms.member = f.member AND ms.status = {}) AND "
)
_ORDER = " ORDER BY g.name, g.id, m.display_name, m.id"
LATEST_STATUSES = SQL(
    'SELECT status FROM attendance_fact WHERE "group" = {} AND member = {} '
    "AND starts_at >= {} AND starts_at < {} ORDER BY starts_at DESC, session DESC LIMIT {}"
)
CONTACTS = SQL(
    'SELECT c.id, c."group" AS group_id, c.member AS member_id, c.outcome, c.note, '
    "c.contacted_at, c.contacted_by, u.display_name AS contacted_by_name "
    "FROM follow_up_contact c LEFT JOIN app_user u ON u.id = c.contacted_by "
    'WHERE c."group" IN_IDS({}) AND c.member IN_IDS({}) ORDER BY c.contacted_at DESC, c.id DESC'
)
CONTACT = SQL(
    'SELECT c.id, c."group" AS group_id, c.member AS member_id, c.outcome, c.note, '
    "c.contacted_at, c.contacted_by, u.display_name AS contacted_by_name "
    "FROM follow_up_contact c LEFT JOIN app_user u ON u.id = c.contacted_by WHERE c.id = {}"
)
IS_MEMBER = SQL(
    "SELECT m.display_name FROM membership ms JOIN member m ON m.id = ms.member "
    'WHERE ms."group" = {} AND ms.member = {} ORDER BY ms.id DESC LIMIT 1'
)


async def candidates(db: Connection, scope: GroupScope, streak: int) -> list[dict[str, Any]]:
    return await db.fetch(
        cached(_CANDIDATES + scope.on('f."group"') + _ORDER), streak, ACTIVE, *scope.args
    )


async def excused_among_latest(
    db: Connection, group_id: int, member_id: int, count: int, lo: datetime, hi: datetime
) -> int:
    """How many of the member's latest ``count`` held sessions in [lo, hi) were excused."""
    rows = await db.fetch(LATEST_STATUSES, group_id, member_id, lo, hi, count)
    return sum(1 for r in rows if r["status"] == EXCUSED)


async def contacts(
    db: Connection, group_ids: list[int], member_ids: list[int]
) -> list[ContactRead]:
    if not group_ids or not member_ids:
        return []
    rows = await db.fetch(CONTACTS, db.ids(group_ids), db.ids(member_ids))
    return msgspec.convert(rows, list[ContactRead])


async def member_name(db: Connection, group_id: int, member_id: int) -> str | None:
    """The member's name if they are, were or wait to be in the group."""
    return await db.fetch_value(IS_MEMBER, group_id, member_id)


async def insert_contact(
    db: Connection,
    *,
    group_id: int,
    member_id: int,
    contacted_by: int,
    contacted_at: datetime,
    outcome: str,
    note: str,
) -> ContactRead:
    rows = await db.fetch(
        FollowUpContact.insert(
            FollowUpContact(
                group=group_id,
                member=member_id,
                contacted_by=contacted_by,
                contacted_at=contacted_at,
                outcome=outcome,
                note=note,
            )
        ).returning(FollowUpContact.id)
    )
    row = await db.fetch_one(CONTACT, rows[0]["id"])
    return msgspec.convert(row, ContactRead)
