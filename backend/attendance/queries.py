"""Every statement of attendance: rolls, their audit, and what members and pages read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from backend.access import GroupScope
from backend.attendance.schemas import AuditEntry, MemberRecord, RollRecord
from backend.db import SQL, Connection, convert
from backend.db.sql import cached
from backend.domain.vocabulary import (
    COUNTING_MEMBERSHIPS,
    SessionStatus,
)
from backend.lib.moments import moment
from backend.lib.purposes import from_mask

CANCELLED = SessionStatus.CANCELLED.value

ELIGIBLE_MEMBERS = SQL(
    "SELECT DISTINCT m.id AS member_id, m.display_name FROM membership ms "
    "JOIN member m ON m.id = ms.member "
    'WHERE ms."group" = {} AND ms.status IN ({}, {}) '
    "AND ms.joined_on IS NOT NULL AND ms.joined_on <= {} "
    "AND (ms.left_on IS NULL OR ms.left_on >= {}) ORDER BY m.display_name, m.id"
)
RECORDS = SQL(
    "SELECT member, status, participation, purpose_mask, note, absence_reason, updated_at, "
    "updated_by FROM attendance WHERE session = {}"
)
ROLL = SQL(
    "SELECT a.member AS member_id, m.display_name, a.status, a.participation, "
    "a.purpose_mask, a.note, a.absence_reason AS reason, a.updated_at, a.updated_by "
    "FROM attendance a "
    "JOIN member m ON m.id = a.member WHERE a.session = {} ORDER BY m.display_name, a.member"
)
DELETE_RECORDS = SQL("DELETE FROM attendance WHERE session = {} AND member IN_IDS({})")
INSERT_AUDIT = SQL(
    "INSERT INTO attendance_audit (session, member, changed_by, changed_at, before, after) "
    "VALUES ({}, {}, {}, {}, {}, {})"
)
HISTORY = SQL(
    "SELECT au.id, au.member AS member_id, m.display_name, au.changed_by, "
    "u.display_name AS changed_by_name, au.changed_at, au.before, au.after "
    "FROM attendance_audit au JOIN member m ON m.id = au.member "
    "LEFT JOIN app_user u ON u.id = au.changed_by WHERE au.session = {} ORDER BY au.id"
)
MARK_TAKEN = SQL("UPDATE group_session SET roll_taken_at = {} WHERE id = {}")

# A member's own view: every counting held session (absent when unrecorded), then records
# of sessions not held yet (an absence excused ahead), most recent first.
_MEMBER_FACTS = (
    'SELECT f.session AS session_id, f."group" AS group_id, f.starts_at, f.status, '
    "f.participation, f.purpose_mask, a.absence_reason, 1 AS held FROM attendance_fact f "
    "LEFT JOIN attendance a ON a.session = f.session AND a.member = f.member "
    "WHERE f.member = {} "
)
_MEMBER_AHEAD = (
    'SELECT a.session AS session_id, a."group" AS group_id, s.starts_at, a.status, '
    "a.participation, a.purpose_mask, a.absence_reason, 0 AS held FROM group_session s "
    "JOIN attendance a ON a.session = s.id AND a.member = {} "
    "WHERE s.roll_taken_at IS NULL AND s.status <> {} "
    'AND s."group" IN (SELECT ms."group" FROM membership ms WHERE ms.member = {}) '
)
MEMBER_RECORDS = SQL(_MEMBER_FACTS + "UNION ALL " + _MEMBER_AHEAD + "ORDER BY 3 DESC, 1 DESC")
MEMBER_RECORDS_IN_GROUPS = SQL(
    _MEMBER_FACTS
    + 'AND f."group" IN_IDS({}) UNION ALL '
    + _MEMBER_AHEAD
    + 'AND s."group" IN_IDS({}) ORDER BY 3 DESC, 1 DESC'
)

AWAITING = (
    'SELECT s.id, s."group" AS group_id, g.name AS group_name, g.timezone, s.starts_at, '
    's.topic FROM group_session s JOIN work_group g ON g.id = s."group" '
    "WHERE s.status <> {} AND s.roll_taken_at IS NULL AND s.starts_at <= {} AND "
)
RECENT_SESSIONS = SQL(
    "SELECT s.id, s.starts_at, s.status, s.roll_taken_at, s.topic, g.timezone, "
    "(SELECT COUNT(*) FROM attendance a WHERE a.session = s.id) AS records "
    'FROM group_session s JOIN work_group g ON g.id = s."group" '
    'WHERE s."group" = {} AND s.starts_at <= {} '
    "ORDER BY s.starts_at DESC, s.id DESC LIMIT {}"
)
GROUP_NAMES = SQL("SELECT id, name, timezone FROM work_group WHERE id IN_IDS({})")


async def eligible_members(db: Connection, group_id: int, day: date) -> list[dict[str, Any]]:
    """Members whose membership period covers ``day`` in the group, by name."""
    return await db.fetch(ELIGIBLE_MEMBERS, group_id, *COUNTING_MEMBERSHIPS, day, day)


async def eligible_names(db: Connection, group_id: int, day: date) -> dict[int, str]:
    """The same members as {id: name}, in the same order."""
    rows = await db.fetch_tuples(ELIGIBLE_MEMBERS, group_id, *COUNTING_MEMBERSHIPS, day, day)
    return dict(rows)


async def records(db: Connection, session_id: int) -> dict[int, dict[str, Any]]:
    return {r["member"]: r for r in await db.fetch(RECORDS, session_id)}


# A fixed statement rather than Piccolo's insert(...).on_conflict(...): building that query
# for a roll of 15 costs about 2.7 ms of Python per request, the statement itself microseconds.
UPSERT_RECORD = SQL(
    'INSERT INTO attendance (session, "group", member, status, participation, purpose_mask, '
    "note, absence_reason, updated_at, updated_by) "
    "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
    "ON CONFLICT (session, member) DO UPDATE SET status = excluded.status, "
    "participation = excluded.participation, purpose_mask = excluded.purpose_mask, "
    "note = excluded.note, absence_reason = excluded.absence_reason, "
    "updated_at = excluded.updated_at, updated_by = excluded.updated_by"
)


async def upsert_records(
    db: Connection,
    session_id: int,
    group_id: int,
    rows: list[dict[str, Any]],
    user_id: int,
    moment: datetime,
) -> None:
    await db.execute_many(
        UPSERT_RECORD,
        [
            (
                session_id,
                group_id,
                row["member"],
                row["status"],
                row["participation"],
                row["purpose_mask"],
                row["note"],
                row["absence_reason"],
                moment,
                user_id,
            )
            for row in rows
        ],
    )


async def delete_records(db: Connection, session_id: int, member_ids: Sequence[int]) -> None:
    await db.execute(DELETE_RECORDS, session_id, db.ids(member_ids))


MEMBER_NAMES = SQL("SELECT id, display_name FROM member WHERE id IN_IDS({})")


async def member_names(db: Connection, member_ids: list[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    return {r["id"]: r["display_name"] for r in await db.fetch(MEMBER_NAMES, db.ids(member_ids))}


def roll_record(member_id: int, name: str, row: dict[str, Any]) -> RollRecord:
    return RollRecord(
        member_id=member_id,
        display_name=name,
        status=row["status"],
        participation=row["participation"],
        purposes=from_mask(row["purpose_mask"]),
        note=row["note"],
        reason=row["absence_reason"],
        updated_at=moment(row["updated_at"]),
        updated_by=row["updated_by"],
    )


async def insert_audit(
    db: Connection,
    session_id: int,
    entries: list[tuple[int, str | None, str | None]],
    user_id: int,
    moment: datetime,
) -> None:
    await db.execute_many(
        INSERT_AUDIT,
        [
            (session_id, member_id, user_id, moment, before, after)
            for member_id, before, after in entries
        ],
    )


async def mark_taken(db: Connection, session_id: int, moment: datetime) -> None:
    await db.execute(MARK_TAKEN, moment, session_id)


async def roll_records(db: Connection, session_id: int) -> list[RollRecord]:
    rows = await db.fetch(ROLL, session_id)
    return convert(
        [{**r, "purposes": from_mask(r.pop("purpose_mask"))} for r in rows], list[RollRecord]
    )


async def history(db: Connection, session_id: int) -> list[AuditEntry]:
    rows = await db.fetch(HISTORY, session_id)
    return convert(
        [
            {
                **r,
                "before": None if r["before"] is None else json.loads(r["before"]),
                "after": None if r["after"] is None else json.loads(r["after"]),
            }
            for r in rows
        ],
        list[AuditEntry],
    )


async def member_records(
    db: Connection, member_id: int, group_ids: list[int] | None = None
) -> list[tuple[MemberRecord, bool]]:
    """A member's records, most recent first, each with whether its session was held (see
    the statements above). The hottest read of a member: rows become structs directly."""
    if group_ids is None:
        rows = await db.fetch_tuples(MEMBER_RECORDS, member_id, member_id, CANCELLED, member_id)
    else:
        ids = db.ids(group_ids)
        rows = await db.fetch_tuples(
            MEMBER_RECORDS_IN_GROUPS, member_id, ids, member_id, CANCELLED, member_id, ids
        )
    return [
        (
            MemberRecord(
                session_id=session_id,
                group_id=group_id,
                starts_at=moment(starts_at),
                # Stored codes, as they are: the struct only encodes them.
                status=status,
                participation=participation,
                purposes=from_mask(purpose_mask),
                reason=reason,
            ),
            bool(held),
        )
        for (
            session_id,
            group_id,
            starts_at,
            status,
            participation,
            purpose_mask,
            reason,
            held,
        ) in rows
    ]


async def awaiting_roll_calls(
    db: Connection, scope: GroupScope, moment: datetime, limit: int
) -> list[dict[str, Any]]:
    """Past sessions of the scope's groups that are not cancelled and have no roll yet."""
    return await db.fetch(
        cached(AWAITING + scope.on('s."group"') + " ORDER BY s.starts_at DESC, s.id DESC LIMIT {}"),
        CANCELLED,
        moment,
        *scope.args,
        limit,
    )


async def recent_sessions(
    db: Connection, group_id: int, moment: datetime, limit: int
) -> list[dict[str, Any]]:
    return await db.fetch(RECENT_SESSIONS, group_id, moment, limit)


async def group_names(db: Connection, group_ids: list[int]) -> dict[int, str]:
    if not group_ids:
        return {}
    rows = await db.fetch(GROUP_NAMES, db.ids(group_ids))
    return {r["id"]: r["name"] for r in rows}


async def group_labels(db: Connection, group_ids: list[int]) -> dict[int, dict[str, str]]:
    """``{id: {name, timezone}}`` of the groups."""
    if not group_ids:
        return {}
    rows = await db.fetch(GROUP_NAMES, db.ids(group_ids))
    return {r["id"]: {"name": r["name"], "timezone": r["timezone"]} for r in rows}
