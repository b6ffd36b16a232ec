"""Every statement of groups: members, groups, facilitators and memberships."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from backend.access import GroupScope, MemberScope
from backend.accounts.tables import User
from backend.db import SQL, Connection, convert
from backend.db.sql import cached
from backend.domain.vocabulary import OPEN_MEMBERSHIPS, STAFF_ROLES, MembershipStatus
from backend.groups.schemas import GroupRead, MemberRead, RosterEntry
from backend.groups.tables import Group, GroupFacilitator, Member, Membership
from backend.lib.purposes import from_mask

ACTIVE, WAITLISTED, ENDED = (
    MembershipStatus.ACTIVE.value,
    MembershipStatus.WAITLISTED.value,
    MembershipStatus.ENDED.value,
)

# ---------------------------------------------------------------------------- members

_MEMBER_COLUMNS = (
    "SELECT m.id, m.display_name, m.email, m.phone, m.created_at, "
    "CASE WHEN EXISTS (SELECT 1 FROM app_user u WHERE u.member = m.id) THEN 1 ELSE 0 END "
    "AS has_login FROM member m "
)
MEMBER = SQL(_MEMBER_COLUMNS + "WHERE m.id = {}")
MEMBER_BY_EMAIL = SQL("SELECT m.id, m.display_name FROM member m WHERE m.email = {} ORDER BY m.id")
MEMBER_BY_PHONE = SQL(
    "SELECT m.id, m.display_name FROM member m WHERE m.phone_key = {} ORDER BY m.id"
)
_SEARCH = "(lower(m.display_name) LIKE {} OR lower(m.email) LIKE {})"


def _member(row: dict[str, Any]) -> MemberRead:
    return convert({**row, "has_login": bool(row["has_login"])}, MemberRead)


async def member(db: Connection, member_id: int) -> MemberRead | None:
    row = await db.fetch_one(MEMBER, member_id)
    return None if row is None else _member(row)


async def members_page(
    db: Connection, scope: MemberScope, search: str | None, limit: int, offset: int
) -> tuple[list[MemberRead], int]:
    where = "WHERE " + scope.condition
    args: list[Any] = list(scope.args)
    if search:
        pattern = f"%{search.lower()}%"
        where += " AND " + _SEARCH
        args += [pattern, pattern]
    rows = await db.fetch(
        cached(_MEMBER_COLUMNS + where + " ORDER BY m.display_name, m.id LIMIT {} OFFSET {}"),
        *args,
        limit,
        offset,
    )
    total = await db.fetch_value(cached("SELECT COUNT(*) AS n FROM member m " + where), *args)
    return [_member(r) for r in rows], int(total)


async def member_by_contact(
    db: Connection, *, email: str | None = None, phone_key: str | None = None
) -> dict[str, Any] | None:
    """The first member on record with exactly this email (or phone): ``{id, display_name}``."""
    if email is not None:
        return await db.fetch_one(MEMBER_BY_EMAIL, email)
    if phone_key is not None:
        return await db.fetch_one(MEMBER_BY_PHONE, phone_key)
    return None


async def insert_member(
    db: Connection,
    *,
    display_name: str,
    email: str | None,
    phone: str | None,
    phone_key: str | None,
    created_at: datetime,
    created_by: int | None,
    language: str | None = None,
) -> int:
    rows = await db.fetch(
        Member.insert(
            Member(
                display_name=display_name,
                email=email,
                phone=phone,
                phone_key=phone_key,
                created_at=created_at,
                created_by=created_by,
                language=language,
            )
        ).returning(Member.id)
    )
    return rows[0]["id"]


# ---------------------------------------------------------------------------- groups

_GROUP_COLUMNS = (
    "SELECT g.id, g.name, g.description, g.kind, g.purpose_mask, g.capacity, g.timezone, "
    "g.phase, g.location, g.curriculum AS curriculum_id, g.leader AS leader_member_id, "
    '(SELECT COUNT(*) FROM membership ms WHERE ms."group" = g.id AND ms.status = {}) '
    "AS active_count, "
    '(SELECT COUNT(*) FROM membership ms WHERE ms."group" = g.id AND ms.status = {}) '
    "AS waitlist_count FROM work_group g "
)
GROUP = SQL(_GROUP_COLUMNS + "WHERE g.id = {}")
FACILITATORS_OF = SQL(
    'SELECT gf."user" AS user_id FROM group_facilitator gf WHERE gf."group" = {} ORDER BY 1'
)


def _group(row: dict[str, Any], facilitator_ids: list[int]) -> GroupRead:
    return convert(
        {
            **row,
            "purposes": from_mask(row["purpose_mask"]),
            "facilitator_ids": facilitator_ids,
        },
        GroupRead,
    )


async def group(db: Connection, group_id: int) -> GroupRead:
    row = await db.fetch_one(GROUP, ACTIVE, WAITLISTED, group_id)
    assert row is not None
    return _group(row, await facilitator_ids(db, group_id))


async def groups(db: Connection, scope: GroupScope) -> list[GroupRead]:
    rows = await db.fetch(
        cached(_GROUP_COLUMNS + "WHERE " + scope.on("g.id") + " ORDER BY g.name, g.id"),
        ACTIVE,
        WAITLISTED,
        *scope.args,
    )
    if not rows:
        return []
    links = await db.fetch(
        cached(
            'SELECT gf."group" AS group_id, gf."user" AS user_id FROM group_facilitator gf '
            "WHERE " + scope.on('gf."group"') + " ORDER BY 2"
        ),
        *scope.args,
    )
    by_group: dict[int, list[int]] = {}
    for link in links:
        by_group.setdefault(link["group_id"], []).append(link["user_id"])
    return [_group(r, by_group.get(r["id"], [])) for r in rows]


async def facilitator_ids(db: Connection, group_id: int) -> list[int]:
    return [r["user_id"] for r in await db.fetch(FACILITATORS_OF, group_id)]


async def staff_accounts(db: Connection, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are active admin or facilitator accounts."""
    rows = await db.fetch(
        User.select(User.id).where(
            User.id.is_in(user_ids), User.role.is_in(sorted(STAFF_ROLES)), User.is_active.eq(True)
        )
    )
    return {r["id"] for r in rows}


async def insert_group(db: Connection, values: dict[str, Any]) -> int:
    rows = await db.fetch(Group.insert(Group(**values)).returning(Group.id))
    return rows[0]["id"]


IS_ACTIVE_MEMBER = SQL(
    'SELECT 1 AS found FROM membership WHERE "group" = {} AND member = {} AND status = {}'
)
CLEAR_LEADER = SQL("UPDATE work_group SET leader = NULL WHERE id = {} AND leader = {}")


async def is_active_member(db: Connection, group_id: int, member_id: int) -> bool:
    return await db.fetch_value(IS_ACTIVE_MEMBER, group_id, member_id, ACTIVE) is not None


async def clear_leader(db: Connection, group_id: int, member_id: int) -> None:
    """The member no longer leads the group (their membership ended)."""
    await db.execute(CLEAR_LEADER, group_id, member_id)


STEP_SESSIONS = SQL(
    'SELECT COUNT(*) AS n FROM group_session WHERE "group" = {} AND curriculum_step IS NOT NULL'
)


async def sessions_with_steps(db: Connection, group_id: int) -> int:
    return int(await db.fetch_value(STEP_SESSIONS, group_id))


async def update_group(db: Connection, group_id: int, values: dict[str, Any]) -> None:
    await db.execute(
        Group.update({getattr(Group, k): v for k, v in values.items()}).where(Group.id == group_id)
    )


async def set_facilitators(db: Connection, group_id: int, user_ids: list[int]) -> None:
    await db.execute(GroupFacilitator.delete().where(GroupFacilitator.group == group_id))
    await add_facilitators(db, group_id, user_ids)


async def add_facilitators(db: Connection, group_id: int, user_ids: list[int]) -> None:
    if user_ids:
        await db.execute(
            GroupFacilitator.insert(
                *[GroupFacilitator(group=group_id, user=uid) for uid in dict.fromkeys(user_ids)]
            )
        )


# ---------------------------------------------------------------------------- memberships

COUNT_ACTIVE = SQL('SELECT COUNT(*) AS n FROM membership WHERE "group" = {} AND status = {}')
OPEN_MEMBERSHIP = SQL(
    'SELECT id, status, joined_on FROM membership WHERE "group" = {} AND member = {} '
    "AND status IN ({}, {})"
)
WAITING = SQL(
    'SELECT id, member FROM membership WHERE "group" = {} AND status = {} ORDER BY requested_at, id'
)
ROSTER = SQL(
    "SELECT ms.member AS member_id, m.display_name, ms.status, ms.joined_on, "
    "ms.consent_given_at FROM membership ms JOIN member m ON m.id = ms.member "
    'WHERE ms."group" = {} AND ms.status IN ({}, {}) '
    "ORDER BY CASE WHEN ms.status = {} THEN 0 ELSE 1 END, "
    "CASE WHEN ms.status = {} THEN m.display_name END, ms.requested_at, ms.id"
)
PROMOTE = SQL("UPDATE membership SET status = {}, joined_on = {} WHERE id = {}")
END = SQL("UPDATE membership SET status = {}, left_on = {} WHERE id = {}")


async def active_count(db: Connection, group_id: int) -> int:
    return int(await db.fetch_value(COUNT_ACTIVE, group_id, ACTIVE))


async def open_membership(db: Connection, group_id: int, member_id: int) -> dict | None:
    return await db.fetch_one(OPEN_MEMBERSHIP, group_id, member_id, *OPEN_MEMBERSHIPS)


async def waiting(db: Connection, group_id: int) -> list[dict[str, Any]]:
    """The waiting list, first come first served: ``[{id, member}]``."""
    return await db.fetch(WAITING, group_id, WAITLISTED)


async def insert_membership(
    db: Connection,
    *,
    group_id: int,
    member_id: int,
    status: str,
    requested_at: datetime,
    joined_on: date | None,
    recorded_by: int,
) -> int:
    rows = await db.fetch(
        Membership.insert(
            Membership(
                group=group_id,
                member=member_id,
                status=status,
                requested_at=requested_at,
                joined_on=joined_on,
                consent_given_at=requested_at,
                consent_recorded_by=recorded_by,
            )
        ).returning(Membership.id)
    )
    return rows[0]["id"]


async def promote(db: Connection, membership_id: int, joined_on: date) -> None:
    await db.execute(PROMOTE, ACTIVE, joined_on, membership_id)


async def end(db: Connection, membership_id: int, left_on: date) -> None:
    await db.execute(END, ENDED, left_on, membership_id)


async def roster(db: Connection, group_id: int) -> list[RosterEntry]:
    rows = await db.fetch(ROSTER, group_id, ACTIVE, WAITLISTED, ACTIVE, ACTIVE)
    entries = []
    position = 0
    for row in rows:
        if row["status"] == WAITLISTED:
            position += 1
        entries.append(
            convert(
                {**row, "waitlist_position": position if row["status"] == WAITLISTED else None},
                RosterEntry,
            )
        )
    return entries
