"""Roll calls (all-or-nothing, idempotent, audited) and attendance views.

See :mod:`backend.attendance.facts` for what "held", "counts" and "absent" mean.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.attendance.facts import (
    ATTENDED,
    MEMBER_FIGURES,
    PERIODS_SELECT,
    as_utc,
    facts_ctes,
    local_date,
    period_bounds,
    rate,
)
from backend.attendance.schemas import (
    AuditEntry,
    History,
    MemberAttendance,
    MemberRecord,
    MemberSummary,
    Roll,
    RollInput,
    RollRecord,
)
from backend.attendance.tables import Attendance
from backend.db.engine import is_sqlite, read_transaction, write_transaction
from backend.db.schema import current_engine
from backend.groups.tables import Group, GroupFacilitator, Membership
from backend.lib.errors import Conflict, Invalid, NotFound
from backend.lib.purposes import from_mask, to_mask
from backend.scheduling.tables import Session

RECORD_FIELDS = ("status", "participation", "purposes", "note")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# ---------------------------------------------------------------------------- access


async def session_for_staff(user: CurrentUser, session_id: int, *, lock: bool = False) -> dict:
    """The session with its group's time zone and purposes; 404 unless ``user`` runs it.

    ``lock`` takes the session's row lock on PostgreSQL so that concurrent roll calls of one
    session run one after the other (SQLite's ``BEGIN IMMEDIATE`` already serialises them).
    """
    engine = current_engine()
    suffix = " FOR UPDATE OF s" if lock and not is_sqlite(engine) else ""
    rows = await Session.raw(
        'SELECT s.id, s."group" AS group_id, s.starts_at, s.status, s.roll_taken_at, '  # noqa: S608
        "g.timezone, g.purpose_mask FROM group_session s "
        'JOIN work_group g ON g.id = s."group" WHERE s.id = {}' + suffix,
        session_id,
    )
    if not rows or not await _manages(user, rows[0]["group_id"]):
        raise NotFound(f"No session with id {session_id} among your groups.")
    row = dict(rows[0])
    row["starts_at"] = as_utc(row["starts_at"])
    if row["roll_taken_at"] is not None:
        row["roll_taken_at"] = as_utc(row["roll_taken_at"])
    return row


async def _manages(user: CurrentUser, group_id: int) -> bool:
    if user.is_admin:
        return True
    if user.role != "facilitator":
        return False
    return await GroupFacilitator.exists().where(
        GroupFacilitator.group == group_id, GroupFacilitator.user == user.id
    )


async def eligible_members(session: dict) -> list[dict[str, Any]]:
    """Members whose membership period covers the session's local date, by name."""
    day = local_date(session["starts_at"], session["timezone"])
    rows = await Membership.raw(
        "SELECT DISTINCT m.id AS member_id, m.display_name FROM membership ms "
        "JOIN member m ON m.id = ms.member "
        "WHERE ms.\"group\" = {} AND ms.status IN ('active', 'ended') "
        "AND ms.joined_on IS NOT NULL AND ms.joined_on <= {} "
        "AND (ms.left_on IS NULL OR ms.left_on >= {}) ORDER BY m.display_name, m.id",
        session["group_id"],
        day,
        day,
    )
    return [dict(r) for r in rows]


# ---------------------------------------------------------------------------- roll call


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": row["status"],
        "participation": row["participation"],
        "purposes": from_mask(row["purpose_mask"]),
        "note": row["note"],
    }


def _validate(session: dict, data: RollInput, started: bool) -> None:
    """Rules that need no more data than the session: the first broken one is reported."""
    declared = session["purpose_mask"]
    seen: dict[int, int] = {}
    for index, record in enumerate(data.records):
        where = f"records[{index}]"
        who = f"member {record.member_id}"
        if record.member_id in seen:
            raise Invalid(
                f"{who} is named twice in the roll (records[{seen[record.member_id]}] and "
                f"{where}); name each member once.",
                field=f"{where}.member_id",
            )
        seen[record.member_id] = index
        attended = record.status in ATTENDED
        if record.participation is not None and not attended:
            raise Invalid(
                f"{who} is {record.status}: participation is recorded only for present or "
                "late members.",
                field=f"{where}.participation",
            )
        if record.purposes and not attended:
            raise Invalid(
                f"{who} is {record.status}: purposes are recorded only for present or late "
                "members.",
                field=f"{where}.purposes",
            )
        if len(set(record.purposes)) != len(record.purposes):
            raise Invalid(f"{who}: a purpose is named twice.", field=f"{where}.purposes")
        undeclared = [code for code in record.purposes if not to_mask([code]) & declared]
        if undeclared:
            raise Invalid(
                f"{who}: {', '.join(undeclared)} is not among the group's purposes "
                f"({', '.join(from_mask(declared))}).",
                field=f"{where}.purposes",
            )
        if attended and not started:
            raise Conflict(
                f"{who} cannot be {record.status} at a session that has not started yet; "
                "only excused can be recorded ahead.",
                field=f"{where}.status",
            )


async def put_roll(user: CurrentUser, session_id: int, data: RollInput) -> Roll:
    """Replace the whole roll of a session in one transaction: validated first, then written
    with one multi-row upsert, one delete and one multi-row audit insert."""
    engine = current_engine()
    async with write_transaction(engine):
        session = await session_for_staff(user, session_id, lock=True)
        if session["status"] == "cancelled":
            raise Conflict("The session is cancelled; there is no roll to take.")
        moment = now()
        started = session["starts_at"] <= datetime.now(UTC)
        _validate(session, data, started)
        allowed = {m["member_id"] for m in await eligible_members(session)}
        for index, record in enumerate(data.records):
            if record.member_id not in allowed:
                raise Invalid(
                    f"member {record.member_id} is not an active member of this group on the "
                    "session's date.",
                    field=f"records[{index}].member_id",
                )
        existing = {
            r["member"]: r
            for r in await Attendance.select(
                Attendance.member,
                Attendance.status,
                Attendance.participation,
                Attendance.purpose_mask,
                Attendance.note,
            ).where(Attendance.session == session_id)
        }
        changed: list[dict[str, Any]] = []
        audit: list[tuple[int, str | None, str | None]] = []
        for record in data.records:
            new = {
                "member": record.member_id,
                "status": record.status,
                "participation": record.participation,
                "purpose_mask": to_mask(record.purposes),
                "note": record.note if record.note else None,
            }
            old = existing.get(record.member_id)
            if old is not None and all(old[k] == new[k] for k in new):
                continue
            changed.append(new)
            audit.append(
                (
                    record.member_id,
                    None if old is None else json.dumps(_snapshot(old), sort_keys=True),
                    json.dumps(_snapshot(new), sort_keys=True),
                )
            )
        named = {r.member_id for r in data.records}
        removed = sorted(m for m in existing if m not in named)
        for member_id in removed:
            audit.append(
                (member_id, json.dumps(_snapshot(existing[member_id]), sort_keys=True), None)
            )
        if changed:
            await _upsert(session, changed, user.id, moment)
        if removed:
            marks = ", ".join("{}" for _ in removed)
            await Attendance.raw(
                f"DELETE FROM attendance WHERE session = {{}} AND member IN ({marks})",  # noqa: S608
                session_id,
                *removed,
            )
        if audit:
            await _audit(session_id, audit, user.id, moment)
        if session["roll_taken_at"] is None and started:
            await Session.update({Session.roll_taken_at: moment}).where(Session.id == session_id)
        return await _roll(session_id)


async def _upsert(
    session: dict, rows: list[dict[str, Any]], user_id: int, moment: datetime
) -> None:
    values = ", ".join("({}, {}, {}, {}, {}, {}, {}, {}, {})" for _ in rows)
    args: list[Any] = []
    for row in rows:
        args.extend(
            [
                session["id"],
                session["group_id"],
                row["member"],
                row["status"],
                row["participation"],
                row["purpose_mask"],
                row["note"],
                moment,
                user_id,
            ]
        )
    await Attendance.raw(
        'INSERT INTO attendance (session, "group", member, status, participation, '  # noqa: S608
        "purpose_mask, note, updated_at, updated_by) VALUES " + values + " "
        "ON CONFLICT (session, member) DO UPDATE SET status = excluded.status, "
        "participation = excluded.participation, purpose_mask = excluded.purpose_mask, "
        "note = excluded.note, updated_at = excluded.updated_at, "
        "updated_by = excluded.updated_by",
        *args,
    )


async def _audit(
    session_id: int,
    entries: list[tuple[int, str | None, str | None]],
    user_id: int,
    moment: datetime,
) -> None:
    values = ", ".join("({}, {}, {}, {}, {}, {})" for _ in entries)
    args: list[Any] = []
    for member_id, before, after in entries:
        args.extend([session_id, member_id, user_id, moment, before, after])
    await Attendance.raw(
        "INSERT INTO attendance_audit (session, member, changed_by, changed_at, before, after) "
        "VALUES " + values,
        *args,
    )


async def _roll(session_id: int) -> Roll:
    session = (
        await Session.select(
            Session.id, Session.group, Session.starts_at, Session.status, Session.roll_taken_at
        )
        .where(Session.id == session_id)
        .first()
    )
    rows = await Attendance.raw(
        "SELECT a.member AS member_id, m.display_name, a.status, a.participation, "
        "a.purpose_mask, a.note, a.updated_at, a.updated_by FROM attendance a "
        "JOIN member m ON m.id = a.member WHERE a.session = {} ORDER BY m.display_name, a.member",
        session_id,
    )
    return Roll(
        session_id=session["id"],
        group_id=session["group"],
        starts_at=as_utc(session["starts_at"]),
        session_status=session["status"],
        roll_taken_at=None
        if session["roll_taken_at"] is None
        else as_utc(session["roll_taken_at"]),
        records=[
            RollRecord(
                member_id=r["member_id"],
                display_name=r["display_name"],
                status=r["status"],
                participation=r["participation"],
                purposes=from_mask(r["purpose_mask"]),
                note=r["note"],
                updated_at=as_utc(r["updated_at"]),
                updated_by=r["updated_by"],
            )
            for r in rows
        ],
    )


async def get_roll(user: CurrentUser, session_id: int) -> Roll:
    async with read_transaction(current_engine()):
        await session_for_staff(user, session_id)
        return await _roll(session_id)


async def history(user: CurrentUser, session_id: int) -> History:
    async with read_transaction(current_engine()):
        await session_for_staff(user, session_id)
        rows = await Attendance.raw(
            "SELECT au.id, au.member AS member_id, m.display_name, au.changed_by, "
            "u.display_name AS changed_by_name, au.changed_at, au.before, au.after "
            "FROM attendance_audit au JOIN member m ON m.id = au.member "
            "LEFT JOIN app_user u ON u.id = au.changed_by "
            "WHERE au.session = {} ORDER BY au.id",
            session_id,
        )
    return History(
        session_id=session_id,
        entries=[
            AuditEntry(
                id=r["id"],
                member_id=r["member_id"],
                display_name=r["display_name"],
                changed_by=r["changed_by"],
                changed_by_name=r["changed_by_name"],
                changed_at=as_utc(r["changed_at"]),
                before=None if r["before"] is None else json.loads(r["before"]),
                after=None if r["after"] is None else json.loads(r["after"]),
            )
            for r in rows
        ],
    )


# ---------------------------------------------------------------------------- member views


async def member_attendance(
    member_id: int, *, group_ids: list[int] | None = None
) -> MemberAttendance:
    """A member's own records and summary (no notes), optionally limited to some groups."""
    engine = current_engine()
    async with read_transaction(engine):
        sql = PERIODS_SELECT + " AND ms.member = {}"
        args: list[Any] = [member_id]
        if group_ids is not None:
            if not group_ids:
                return MemberAttendance(records=[], summary=_summary(None))
            sql += ' AND ms."group" IN (' + ", ".join("{}" for _ in group_ids) + ")"
            args.extend(group_ids)
        periods = period_bounds(await Membership.raw(sql, *args))
        ctes, cte_args = facts_ctes(engine, periods)
        summary_rows = await Attendance.raw(
            ctes + " SELECT " + MEMBER_FIGURES + " FROM facts f",  # noqa: S608
            *cte_args,
        )
        # Every counting held session (absent when unrecorded), then records of sessions not
        # held yet (an absence excused ahead), most recent first.
        record_rows = await Attendance.raw(
            ctes + " SELECT f.session, f.grp, f.starts_at, f.status, f.participation, "  # noqa: S608
            "f.purpose_mask FROM facts f UNION ALL "
            'SELECT a.session, a."group", s.starts_at, a.status, a.participation, a.purpose_mask '
            "FROM attendance a JOIN group_session s ON s.id = a.session "
            "WHERE a.member = {} AND s.status <> 'cancelled' AND s.roll_taken_at IS NULL "
            + ("" if group_ids is None else 'AND a."group" IN (SELECT grp FROM periods) ')
            + "ORDER BY 3 DESC, 1 DESC",
            *cte_args,
            member_id,
        )
    records = [
        MemberRecord(
            session_id=r["session"],
            group_id=r["grp"],
            starts_at=as_utc(r["starts_at"]),
            status=r["status"],
            participation=r["participation"],
            purposes=from_mask(r["purpose_mask"]),
        )
        for r in record_rows
    ]
    return MemberAttendance(records=records, summary=_summary(summary_rows[0]))


def _summary(row: dict[str, Any] | None) -> MemberSummary:
    if row is None or not row["held"]:
        return MemberSummary(
            held=0,
            present=0,
            late=0,
            excused=0,
            absent=0,
            attendance_rate=None,
            current_absence_streak=0,
        )
    return MemberSummary(
        held=row["held"],
        present=row["present"],
        late=row["late"],
        excused=row["excused"],
        absent=row["absent"],
        attendance_rate=rate(row["present"] + row["late"], row["held"]),
        current_absence_streak=row["streak"],
    )


async def member_attendance_for_staff(user: CurrentUser, member_id: int) -> MemberAttendance:
    """Admins see every group; facilitators only the groups they run that the member is or was
    in; anyone else, or a member never in their groups, gets 404."""
    if user.is_admin:
        if not await Membership.exists().where(Membership.member == member_id):
            from backend.groups.tables import Member

            if not await Member.exists().where(Member.id == member_id):
                raise NotFound(f"No member with id {member_id}.")
        return await member_attendance(member_id)
    rows = await Membership.raw(
        'SELECT DISTINCT ms."group" AS group_id FROM membership ms '
        'JOIN group_facilitator gf ON gf."group" = ms."group" '
        'WHERE ms.member = {} AND gf."user" = {} ORDER BY 1',
        member_id,
        user.id,
    )
    if user.role != "facilitator" or not rows:
        raise NotFound(f"No member with id {member_id} in your groups.")
    return await member_attendance(member_id, group_ids=[r["group_id"] for r in rows])


async def group_declared(group_id: int) -> int:
    row = await Group.select(Group.purpose_mask).where(Group.id == group_id).first()
    return row["purpose_mask"] if row else 0


# ---------------------------------------------------------------------------- page helpers


async def awaiting_roll_calls(user: CurrentUser, limit: int = 20) -> list[dict[str, Any]]:
    """Past sessions of ``user``'s groups that are not cancelled and have no roll yet."""
    from backend.attendance.facts import ts

    engine = current_engine()
    scope = (
        ""
        if user.is_admin
        else (
            'AND s."group" IN (SELECT gf."group" FROM group_facilitator gf WHERE gf."user" = {}) '
        )
    )
    args: list[Any] = [datetime.now(UTC)] + ([] if user.is_admin else [user.id]) + [limit]
    rows = await Session.raw(
        'SELECT s.id, s."group" AS group_id, g.name AS group_name, g.timezone, s.starts_at, '  # noqa: S608
        's.topic FROM group_session s JOIN work_group g ON g.id = s."group" '
        "WHERE s.status <> 'cancelled' AND s.roll_taken_at IS NULL AND s.starts_at <= "
        + ts(engine)
        + " "
        + scope
        + "ORDER BY s.starts_at DESC, s.id DESC LIMIT {}",
        *args,
    )
    return [_with_local(dict(r)) for r in rows]


async def recent_sessions(group_id: int, limit: int = 8) -> list[dict[str, Any]]:
    """The group's latest sessions that have started, newest first, with their roll state."""
    from backend.attendance.facts import ts

    rows = await Session.raw(
        "SELECT s.id, s.starts_at, s.status, s.roll_taken_at, s.topic, g.timezone, "  # noqa: S608
        "(SELECT COUNT(*) FROM attendance a WHERE a.session = s.id) AS records "
        'FROM group_session s JOIN work_group g ON g.id = s."group" '
        'WHERE s."group" = {} AND s.starts_at <= ' + ts(current_engine()) + " "
        "ORDER BY s.starts_at DESC, s.id DESC LIMIT {}",
        group_id,
        datetime.now(UTC),
        limit,
    )
    return [_with_local(dict(r)) for r in rows]


async def group_names(group_ids: list[int]) -> dict[int, str]:
    if not group_ids:
        return {}
    rows = await Group.select(Group.id, Group.name).where(Group.id.is_in(group_ids))
    return {r["id"]: r["name"] for r in rows}


def _with_local(row: dict[str, Any]) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    row["starts_at"] = as_utc(row["starts_at"])
    row["local"] = row["starts_at"].astimezone(ZoneInfo(row["timezone"]))
    return row
