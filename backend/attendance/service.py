"""Roll calls (all-or-nothing, idempotent, audited) and attendance views.

See :mod:`backend.figures.service` for what "held", "counts" and "absent" mean; every figure
shown comes from the figures kept there.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from backend import access
from backend.accounts.schemas import CurrentUser
from backend.attendance import queries
from backend.attendance.schemas import (
    AbsenceAhead,
    AbsenceInput,
    History,
    MemberAttendance,
    MemberRecord,
    MemberSummary,
    Roll,
    RollInput,
    RollRecord,
)
from backend.db import Connection, database
from backend.domain.vocabulary import (
    ATTENDED_STATUSES,
    AbsenceReason,
    AttendanceStatus,
    SessionStatus,
)
from backend.figures import service as figures
from backend.figures.service import local_date
from backend.lib.errors import Conflict, Invalid, PreconditionFailed
from backend.lib.i18n import N_
from backend.lib.moments import as_utc, now
from backend.lib.purposes import from_mask, to_mask
from backend.rights.erased import erased_members


def rate(attended: int, held: int) -> float | None:
    """(present + late) / held rounded to 4 decimals; ``None`` when nothing was held."""
    return round(attended / held, 4) if held else None


# ---------------------------------------------------------------------------- roll call


def _snapshot(row: dict[str, Any]) -> str:
    """A record as the audit keeps it: JSON with its keys in order (``reason`` only when an
    excused absence has one)."""
    snapshot = {
        "note": row["note"],
        "participation": row["participation"],
        "purposes": from_mask(row["purpose_mask"]),
        "status": row["status"],
    }
    if row.get("absence_reason"):
        snapshot["reason"] = row["absence_reason"]
    return msgspec.json.encode(dict(sorted(snapshot.items()))).decode()


def roll_version(records: list[RollRecord]) -> str:
    """The roll's version, for ``ETag`` and ``If-Match``: a digest of what each record says
    (not of when it was written), so two people who save the same roll do not conflict."""
    content = sorted(
        (r.member_id, str(r.status), r.participation, r.purposes, r.note, r.reason) for r in records
    )
    return '"' + hashlib.sha256(msgspec.json.encode(content)).hexdigest()[:32] + '"'


def _check_version(if_match: str | None, current: Roll) -> None:
    """412 with the current roll and its version when ``If-Match`` names another version."""
    if if_match is None or if_match.strip() == "*":
        return
    version = roll_version(current.records)
    asked = {v.strip().removeprefix("W/") for v in if_match.split(",")}
    if version not in asked:
        raise PreconditionFailed(
            N_(
                "Someone changed this roll since you opened it; nothing was saved. Compare "
                "their roll with yours and save again."
            ),
            field="If-Match",
            code="stale_roll",
            headers={"ETag": version},
            extra={"etag": version, "current": msgspec.to_builtins(current)},
        )


def _validate(session: access.SessionRef, data: RollInput, started: bool) -> None:
    """Rules that need no more data than the session: the first broken one is reported."""
    declared = session.purpose_mask
    seen: dict[int, int] = {}
    for index, record in enumerate(data.records):
        where = f"records[{index}]"
        params = {"member": record.member_id, "status": str(record.status)}
        if record.member_id in seen:
            raise Invalid(
                N_("Member {member} is named twice in the roll; name each member once."),
                params=params,
                field=f"{where}.member_id",
                code="member_named_twice",
            )
        seen[record.member_id] = index
        attended = record.status in ATTENDED_STATUSES
        if record.participation is not None and not attended:
            raise Invalid(
                N_(
                    "Member {member} is {status}: participation is recorded only for present "
                    "or late members."
                ),
                params=params,
                field=f"{where}.participation",
                code="participation_needs_attendance",
            )
        if record.purposes and not attended:
            raise Invalid(
                N_(
                    "Member {member} is {status}: purposes are recorded only for present or "
                    "late members."
                ),
                params=params,
                field=f"{where}.purposes",
                code="purposes_need_attendance",
            )
        if record.reason is not None and record.status != AttendanceStatus.EXCUSED:
            raise Invalid(
                N_("Member {member} is {status}: a reason is recorded only for excused members."),
                params=params,
                field=f"{where}.reason",
                code="reason_needs_excused",
            )
        if len(set(record.purposes)) != len(record.purposes):
            raise Invalid(
                N_("Member {member}: a purpose is named twice."),
                params=params,
                field=f"{where}.purposes",
                code="purpose_named_twice",
            )
        if to_mask(record.purposes) & ~declared:
            undeclared = [p for p in record.purposes if not to_mask([p]) & declared]
            raise Invalid(
                N_("Member {member}: the group did not declare the purpose {purpose}."),
                params={**params, "purpose": undeclared[0]},
                field=f"{where}.purposes",
                code="purpose_not_declared",
            )
        if attended and not started:
            raise Conflict(
                N_(
                    "Member {member} cannot be {status} at a session that has not started yet; "
                    "only an excused absence can be recorded ahead."
                ),
                params=params,
                field=f"{where}.status",
                code="session_not_started",
            )


async def put_roll(
    user: CurrentUser, session_id: int, data: RollInput, if_match: str | None = None
) -> Roll:
    """Write the whole roll, or nothing: members left out lose their record. With
    ``if_match``, only while the roll is still at that version (else 412)."""
    async with database().write() as db:
        session = await access.session(db, user, session_id, lock=True)
        if session.status == SessionStatus.CANCELLED:
            raise Conflict(
                N_("The session is cancelled; there is no roll to take."),
                code="session_cancelled",
            )
        moment = now()
        started = session.starts_at <= moment
        _validate(session, data, started)
        day = local_date(session.starts_at, session.timezone)
        allowed = await queries.eligible_names(db, session.group_id, day)
        for index, record in enumerate(data.records):
            if record.member_id not in allowed:
                raise Invalid(
                    N_(
                        "Member {member} is not an active member of this group "
                        "on the session's date."
                    ),
                    params={"member": record.member_id},
                    field=f"records[{index}].member_id",
                    code="not_a_member_then",
                )
        existing = await queries.records(db, session_id)
        if if_match is not None:
            names = await queries.member_names(db, list(existing))
            current = Roll(
                session_id=session.id,
                group_id=session.group_id,
                starts_at=session.starts_at,
                session_status=SessionStatus(session.status),
                roll_taken_at=session.roll_taken_at,
                records=sorted(
                    (
                        queries.roll_record(member_id, names.get(member_id, ""), row)
                        for member_id, row in existing.items()
                    ),
                    key=lambda r: (r.display_name, r.member_id),
                ),
            )
            _check_version(if_match, current)
        changed: list[dict[str, Any]] = []
        audit: list[tuple[int, str | None, str | None]] = []
        stored: dict[int, dict[str, Any]] = {}
        for record in data.records:
            new = {
                "member": record.member_id,
                "status": str(record.status),
                "participation": str(record.participation) if record.participation else None,
                "purpose_mask": to_mask(record.purposes),
                "note": record.note or None,
                "absence_reason": str(record.reason) if record.reason else None,
            }
            old = existing.get(record.member_id)
            if old is not None and all(old[k] == new[k] for k in new):
                stored[record.member_id] = old
                continue
            changed.append(new)
            stored[record.member_id] = {**new, "updated_at": moment, "updated_by": user.id}
            audit.append(
                (record.member_id, None if old is None else _snapshot(old), _snapshot(new))
            )
        if changed:
            gone = await erased_members(db, [c["member"] for c in changed])
            for index, record in enumerate(data.records):
                if record.member_id in gone:
                    raise Conflict(
                        N_("Member {member}'s data was erased; no new record is taken about them."),
                        params={"member": record.member_id},
                        field=f"records[{index}].member_id",
                        code="member_erased",
                    )
        named = {r.member_id for r in data.records}
        removed = sorted(m for m in existing if m not in named)
        audit += [(m, _snapshot(existing[m]), None) for m in removed]
        if changed:
            await queries.upsert_records(db, session_id, session.group_id, changed, user.id, moment)
        if removed:
            await queries.delete_records(db, session_id, removed)
        if audit:
            await queries.insert_audit(db, session_id, audit, user.id, moment)
        taking = session.roll_taken_at is None and started
        if taking:
            await queries.mark_taken(db, session_id, moment)
        taken_at = moment if taking else session.roll_taken_at
        if audit or taking:
            absent = (AttendanceStatus.ABSENT.value, None, 0)
            await figures.session_rolled(
                db,
                session_id,
                figures.RollState(
                    session_id=session_id,
                    group_id=session.group_id,
                    starts_at=session.starts_at,
                    held=taken_at is not None,
                    # Only a held session has facts; records taken ahead count once it is.
                    records={
                        member_id: (
                            (row["status"], row["participation"], row["purpose_mask"])
                            if (row := stored.get(member_id)) is not None
                            else absent
                        )
                        for member_id in allowed
                    }
                    if taken_at is not None
                    else {},
                ),
            )
        # The roll as written, by name (the eligible members come ordered by name).
        return Roll(
            session_id=session.id,
            group_id=session.group_id,
            starts_at=session.starts_at,
            session_status=SessionStatus(session.status),
            roll_taken_at=taken_at,
            records=[
                queries.roll_record(member_id, name, stored[member_id])
                for member_id, name in allowed.items()
                if member_id in stored
            ],
        )


# ---------------------------------------------------------------------------- "I can't come"


async def say_absent(user: CurrentUser, session_id: int, data: AbsenceInput) -> AbsenceAhead:
    """The member excuses themselves ahead of a session, with a reason (changeable until the
    start)."""
    return await _absence_ahead(user, session_id, data.reason)


async def withdraw_absence(user: CurrentUser, session_id: int) -> AbsenceAhead:
    """The member can come after all: the excused record goes (until the start)."""
    return await _absence_ahead(user, session_id, None)


async def _absence_ahead(
    user: CurrentUser, session_id: int, reason: AbsenceReason | None
) -> AbsenceAhead:
    """One member's record on the roll, written as a roll call writes it: audited (changed by
    the member's account), and the kept figures told (a session that has not started is not
    held, so it has none)."""
    assert user.member_id is not None  # requires_member
    member_id = user.member_id
    async with database().write() as db:
        session = await access.own_session(db, user, session_id, lock=True)
        if session.status == SessionStatus.CANCELLED:
            raise Conflict(
                N_("The session is cancelled; there is no roll to take."),
                code="session_cancelled",
            )
        moment = now()
        if session.starts_at <= moment:
            raise Conflict(
                N_(
                    "The session has already started; tell your facilitator instead. "
                    "An absence can be said or withdrawn only before the start."
                ),
                code="session_started",
            )
        day = local_date(session.starts_at, session.timezone)
        allowed = await queries.eligible_names(db, session.group_id, day)
        if member_id not in allowed:
            raise Conflict(
                N_("You are not a member of this group on the session's date."),
                code="not_a_member_then",
            )
        old = (await queries.records(db, session_id)).get(member_id)
        if reason is None:
            if old is None:
                return AbsenceAhead(session_id=session_id, status=None, reason=None)
            await queries.delete_records(db, session_id, [member_id])
            audit = [(member_id, _snapshot(old), None)]
        else:
            new = {
                "member": member_id,
                "status": AttendanceStatus.EXCUSED.value,
                "participation": None,
                "purpose_mask": 0,
                # A facilitator's note on an absence already recorded stays.
                "note": None if old is None else old["note"],
                "absence_reason": reason.value,
            }
            if old is not None and all(old[k] == new[k] for k in new):
                return AbsenceAhead(
                    session_id=session_id, status=AttendanceStatus.EXCUSED, reason=reason
                )
            await queries.upsert_records(db, session_id, session.group_id, [new], user.id, moment)
            audit = [(member_id, None if old is None else _snapshot(old), _snapshot(new))]
        await queries.insert_audit(db, session_id, audit, user.id, moment)
        await figures.session_rolled(
            db,
            session_id,
            figures.RollState(
                session_id=session_id,
                group_id=session.group_id,
                starts_at=session.starts_at,
                held=False,
                records={},
            ),
        )
    return AbsenceAhead(
        session_id=session_id,
        status=None if reason is None else AttendanceStatus.EXCUSED,
        reason=reason,
    )


async def _roll(db: Connection, session: access.SessionRef, *, taken_at: datetime | None) -> Roll:
    return Roll(
        session_id=session.id,
        group_id=session.group_id,
        starts_at=session.starts_at,
        session_status=SessionStatus(session.status),
        roll_taken_at=taken_at,
        records=await queries.roll_records(db, session.id),
    )


async def get_roll(user: CurrentUser, session_id: int) -> Roll:
    async with database().read() as db:
        session = await access.session(db, user, session_id)
        return await _roll(db, session, taken_at=session.roll_taken_at)


async def history(user: CurrentUser, session_id: int) -> History:
    async with database().read() as db:
        await access.session(db, user, session_id)
        return History(session_id=session_id, entries=await queries.history(db, session_id))


# ---------------------------------------------------------------------------- member views


def summarise(records: list[MemberRecord]) -> MemberSummary:
    """Figures over held records, most recent first (records of sessions not held yet, which
    are excused ahead, are not counted)."""
    counts = {status: 0 for status in AttendanceStatus}
    streak = 0
    streak_open = True
    for record in records:
        counts[record.status] += 1
        if streak_open and record.status == AttendanceStatus.ABSENT:
            streak += 1
        else:
            streak_open = False
    held = sum(counts.values())
    return MemberSummary(
        held=held,
        present=counts[AttendanceStatus.PRESENT],
        late=counts[AttendanceStatus.LATE],
        excused=counts[AttendanceStatus.EXCUSED],
        absent=counts[AttendanceStatus.ABSENT],
        attendance_rate=rate(
            counts[AttendanceStatus.PRESENT] + counts[AttendanceStatus.LATE], held
        ),
        current_absence_streak=streak,
    )


async def _member_attendance(
    db: Connection, member_id: int, group_ids: list[int] | None = None
) -> MemberAttendance:
    rows = await queries.member_records(db, member_id, group_ids)
    return MemberAttendance(
        records=[record for record, _held in rows],
        summary=summarise([record for record, held in rows if held]),
    )


async def member_attendance(member_id: int) -> MemberAttendance:
    """A member's own records and summary (no notes)."""
    async with database().read() as db:
        return await _member_attendance(db, member_id)


async def member_attendance_for_staff(user: CurrentUser, member_id: int) -> MemberAttendance:
    """Admins see every group; facilitators the groups they run that the member is or was in;
    a member they may not see is 404."""
    async with database().read() as db:
        await access.member(db, user, member_id)
        scope = access.group_scope(user)
        if scope.everything:
            return await _member_attendance(db, member_id)
        group_ids = await access.member_group_ids(db, user, member_id)
        return await _member_attendance(db, member_id, group_ids)


# ---------------------------------------------------------------------------- page helpers


def _with_local(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "local": as_utc(row["starts_at"]).astimezone(ZoneInfo(row["timezone"]))}


async def awaiting_roll_calls(user: CurrentUser, limit: int = 20) -> list[dict[str, Any]]:
    """Past sessions of the user's groups that are not cancelled and have no roll yet."""
    async with database().read() as db:
        rows = await queries.awaiting_roll_calls(db, access.group_scope(user), now(), limit)
    return [_with_local(r) for r in rows]


async def recent_sessions(group_id: int, limit: int = 8) -> list[dict[str, Any]]:
    """The group's latest sessions that have started, newest first, with their roll state."""
    async with database().read() as db:
        rows = await queries.recent_sessions(db, group_id, now(), limit)
    return [_with_local(r) for r in rows]


class RollSheet(msgspec.Struct, frozen=True):
    """What the roll-call page needs: the session, its group, the members who can be on the
    roll (counting that day, and anyone already recorded) and the roll as it stands."""

    session: access.SessionRef
    local_start: datetime
    members: list[dict[str, Any]]
    roll: Roll


async def roll_sheet(user: CurrentUser, session_id: int) -> RollSheet:
    async with database().read() as db:
        session = await access.session(db, user, session_id)
        day = local_date(session.starts_at, session.timezone)
        members = await queries.eligible_members(db, session.group_id, day)
        roll = await _roll(db, session, taken_at=session.roll_taken_at)
    known = {m["member_id"] for m in members}
    members += [
        {"member_id": r.member_id, "display_name": r.display_name}
        for r in roll.records
        if r.member_id not in known
    ]
    return RollSheet(
        session=session,
        local_start=session.starts_at.astimezone(ZoneInfo(session.timezone)),
        members=members,
        roll=roll,
    )


async def group_names(group_ids: list[int]) -> dict[int, str]:
    async with database().read() as db:
        return await queries.group_names(db, group_ids)


async def group_labels(group_ids: list[int]) -> dict[int, dict[str, str]]:
    """The groups' names and time zones (to show a member's records in local time)."""
    async with database().read() as db:
        return await queries.group_labels(db, group_ids)
