"""Sessions: one-off or a series from an RRULE, clash rules, rescheduling and cancelling.

Rules:

* A facilitator cannot be in two sessions at once: a new or moved session of group G clashes
  with every scheduled session of any group that shares a facilitator with G (G itself
  included), and with every scheduled session in the same non-empty location (compared without
  regard to case). Two sessions overlap when each starts before the other ends; cancelled
  sessions never clash.
* A clash is a 409 listing every clashing occurrence and nothing is written, unless the
  request says ``on_conflict: "skip"``: then the rest is created and the clashing ones are
  returned in ``skipped``. A clash with a session of a group the caller does not run gives
  its times only.
* The clash check and the writes run in one write transaction. On SQLite that transaction
  holds the write lock from its start; on PostgreSQL it takes transaction-scoped advisory
  locks on the group, each of its facilitators and the location, so two requests that could
  clash with each other queue instead of both passing the check.
* Every change to a session increases its ``sequence`` (calendar apps use it to replace the
  event) and sets ``updated_at``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from msgspec import UNSET, UnsetType, to_builtins

from backend import access
from backend.accounts.schemas import CurrentUser
from backend.curricula import service as curricula
from backend.curricula.queries import StepRef
from backend.db import Connection, database
from backend.domain.vocabulary import ClashReason, SessionStatus
from backend.guides.service import check_guide_slug
from backend.lib.errors import Conflict, Invalid, NotFound
from backend.lib.i18n import N_
from backend.lib.moments import as_date, as_utc, now, utc_moment
from backend.scheduling import queries
from backend.scheduling.queries import SessionRow
from backend.scheduling.recurrence import Slot, expand, local_wall_time, shift_wall_clock
from backend.scheduling.schemas import (
    MAX_DURATION_MINUTES,
    Clash,
    ClashWith,
    SessionCreate,
    SessionList,
    SessionRead,
    SessionsCreated,
    SessionUpdate,
)

SCHEDULED, CANCELLED = SessionStatus.SCHEDULED, SessionStatus.CANCELLED
MAX_DURATION = timedelta(minutes=MAX_DURATION_MINUTES)
FEED_LIMIT = 5000
_EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
_LATEST = datetime(2300, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------- clashes


@dataclass(frozen=True, slots=True)
class Planned:
    """An occurrence about to be written (times in UTC)."""

    starts_at: datetime
    ends_at: datetime
    location: str


async def _lock(
    db: Connection, group_id: int, facilitator_ids: list[int], places: set[str]
) -> None:
    """Serialise writes that could clash with each other."""
    await db.lock(
        f"group:{group_id}",
        *(f"user:{u}" for u in facilitator_ids),
        *(f"place:{p.strip().lower()}" for p in places if p.strip()),
    )


async def _clashes(
    db: Connection,
    user: CurrentUser,
    group_id: int,
    facilitator_ids: list[int],
    planned: list[Planned],
    zone: ZoneInfo,
    exclude_ids: set[int] | frozenset[int] = frozenset(),
) -> dict[int, list[Clash]]:
    """Every clash of every planned occurrence, by the occurrence's index in ``planned``."""
    if not planned:
        return {}
    low = min(p.starts_at for p in planned) - MAX_DURATION
    high = max(p.ends_at for p in planned)
    group_ids = {group_id} | await queries.groups_of_facilitators(db, facilitator_ids)
    # Every scheduled session near the planned times that shares a facilitator (by group) or a
    # place with them: id -> (row, shares a facilitator, its place in lower case).
    others: dict[int, tuple[dict[str, Any], bool, str]] = {
        r["id"]: (r, True, "") for r in await queries.scheduled_in_groups(db, group_ids, low, high)
    }
    for place in sorted({p.location.strip().lower() for p in planned if p.location.strip()}):
        for row in await queries.scheduled_at_place(db, place, low, high):
            shares = row["id"] in others and others[row["id"]][1]
            others[row["id"]] = (row, shares, place)
    candidates = sorted(
        (
            (row, shares, place, as_utc(row["starts_at"]), as_utc(row["ends_at"]))
            for row, shares, place in others.values()
            if row["id"] not in exclude_ids
        ),
        key=lambda c: (c[3], c[0]["id"]),
    )
    visible = await queries.visible_groups(
        db, access.group_scope(user), {c[0]["group_id"] for c in candidates}
    )
    found: dict[int, list[Clash]] = {}
    for index, occurrence in enumerate(planned):
        place = occurrence.location.strip().lower()
        for row, shares, other_place, starts, ends in candidates:
            if not (shares or (place and other_place == place)):
                continue
            if occurrence.starts_at < ends and occurrence.ends_at > starts:
                known = row["group_id"] in visible
                found.setdefault(index, []).append(
                    Clash(
                        starts_at=occurrence.starts_at.astimezone(zone),
                        ends_at=occurrence.ends_at.astimezone(zone),
                        clashes_with=ClashWith(
                            starts_at=starts.astimezone(zone),
                            ends_at=ends.astimezone(zone),
                            session_id=row["id"] if known else UNSET,
                            group_id=row["group_id"] if known else UNSET,
                        ),
                        reason=ClashReason.FACILITATOR if shares else ClashReason.LOCATION,
                    )
                )
    return found


def _clash_conflict(clashes: list[Clash], planned: int, *, can_skip: bool = True) -> Conflict:
    occurrences = len({c.starts_at for c in clashes})
    if can_skip:
        message = N_(
            "{clashing} of the {planned} sessions clash with a session already booked for a "
            "facilitator or the same place; nothing was saved. Pick another time or place, "
            'or send on_conflict: "skip" to create the others.'
        )
    else:
        message = N_(
            "{clashing} of the {planned} sessions clash with a session already booked for a "
            "facilitator or the same place; nothing was saved. Pick another time or place."
        )
    return Conflict(
        message,
        params={"clashing": occurrences, "planned": planned},
        code="clash",
        extra={"clashes": to_builtins(clashes)},
    )


# ---------------------------------------------------------------------------- curriculum steps


def _no_curriculum() -> Invalid:
    return Invalid(
        N_("This group follows no curriculum; choose one for the group first."),
        field="curriculum_step",
        code="no_curriculum",
    )


async def _steps_for_new(
    db: Connection, group: access.GroupRef, data: SessionCreate
) -> list[StepRef]:
    """The steps new sessions take, in order: the one named (and, for a series, the steps
    after it), or for a series of a curriculum group the steps not yet planned."""
    if group.curriculum_id is None:
        if data.curriculum_step is not None:
            raise _no_curriculum()
        return []
    steps = await curricula.steps_of(db, group.curriculum_id)
    if data.curriculum_step is not None:
        first = curricula.step_by_code(steps, data.curriculum_step)
        return [s for s in steps if s.position >= first.position] if data.is_series else [first]
    if not data.is_series:
        return []
    planned = {r["step_id"] for r in await queries.steps_taught(db, [group.id])}
    return [s for s in steps if s.id not in planned]


async def _out_of_order(db: Connection, group_ids: set[int]) -> set[int]:
    """Sessions that teach a step when a session before them (not cancelled) already taught a
    later one."""
    if not group_ids:
        return set()
    late: set[int] = set()
    highest: dict[int, int] = {}
    for row in await queries.steps_taught(db, sorted(group_ids)):
        top = highest.get(row["group_id"], 0)
        if row["position"] < top:
            late.add(row["id"])
        highest[row["group_id"]] = max(top, row["position"])
    return late


async def _reads(db: Connection, rows: list[SessionRow]) -> list[SessionRead]:
    late = await _out_of_order(db, {r.group_id for r in rows if r.curriculum_step_id})
    return [r.read(out_of_order=r.id in late) for r in rows]


# ---------------------------------------------------------------------------- create


def _check_times(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> None:
    utc_moment(ends_at, "ends_at", zone)
    if ends_at <= starts_at:
        raise Invalid(
            N_("The end must be after the start."), field="ends_at", code="ends_before_start"
        )
    if ends_at - starts_at > MAX_DURATION:
        raise Invalid(N_("A session can last at most 24 hours."), field="ends_at", code="too_long")


async def _slots(data: SessionCreate, zone: ZoneInfo) -> list[Slot]:
    if data.is_series:
        assert data.first_starts_at is not None and data.rrule is not None
        assert data.duration_minutes is not None
        utc_moment(data.first_starts_at, "first_starts_at", zone)
        # Off the event loop: a long rule can take a tenth of a second to expand or refuse.
        slots = await asyncio.to_thread(
            expand, data.rrule, data.first_starts_at, data.duration_minutes, zone
        )
        if slots:
            utc_moment(slots[-1].ends_at, "rrule", zone)
        return slots
    assert data.starts_at is not None
    starts_at = utc_moment(data.starts_at, "starts_at", zone)
    if data.ends_at is not None:
        ends_at = utc_moment(data.ends_at, "ends_at", zone)
    else:
        ends_at = starts_at + timedelta(minutes=data.duration_minutes or 0)
    _check_times(starts_at, ends_at, zone)
    return [Slot(starts_at=starts_at, ends_at=ends_at)]


async def create_sessions(user: CurrentUser, group_id: int, data: SessionCreate) -> SessionsCreated:
    check_guide_slug(data.guide)
    async with database().read() as db:
        zone = ZoneInfo((await access.group(db, user, group_id)).timezone)
    # The occurrences are worked out before the write lock is taken (a series may take a while).
    slots = await _slots(data, zone)
    async with database().write() as db:
        group = await access.group(db, user, group_id)
        if group.timezone != zone.key:
            raise Conflict(
                N_("The group's time zone changed meanwhile; schedule the sessions again."),
                code="timezone_changed",
            )
        location = (data.location if data.location is not None else group.location).strip()
        steps = await _steps_for_new(db, group, data)
        planned = [Planned(s.starts_at, s.ends_at, location) for s in slots]
        moment = now()
        facilitator_ids = await queries.facilitator_ids(db, group_id)
        await _lock(db, group_id, facilitator_ids, {location})
        found = await _clashes(db, user, group_id, facilitator_ids, planned, zone)
        skipped = [clash for index in sorted(found) for clash in found[index]]
        if found and data.on_conflict != "skip":
            raise _clash_conflict(skipped, len(planned))
        keep = [p for index, p in enumerate(planned) if index not in found]
        series_id = None
        if data.is_series and keep:
            assert data.first_starts_at is not None and data.rrule is not None
            series_id = await queries.insert_series(
                db,
                {
                    "group": group_id,
                    "rrule": data.rrule.strip(),
                    "first_starts_at": utc_moment(data.first_starts_at, "first_starts_at", zone),
                    "duration_minutes": data.duration_minutes,
                    "created_at": moment,
                    "created_by": user.id,
                },
            )
        # Occurrences skipped for a clash take no step: the kept ones take them in order.
        kept_steps: list[StepRef | None] = [
            steps[index] if index < len(steps) else None for index in range(len(keep))
        ]
        ids: list[int] = []
        late: set[int] = set()
        if keep:
            ids = await queries.insert_sessions(
                db,
                [
                    {
                        "group": group_id,
                        "series": series_id,
                        "starts_at": p.starts_at,
                        "ends_at": p.ends_at,
                        "status": SCHEDULED.value,
                        "cancel_reason": "",
                        "location": location,
                        "topic": data.topic.strip(),
                        "guide": data.guide,
                        "sequence": 0,
                        "updated_at": moment,
                        "curriculum_step": None if step is None else step.id,
                    }
                    for p, step in zip(keep, kept_steps, strict=True)
                ],
            )
            if steps:
                late = await _out_of_order(db, {group_id})
    sessions = [
        SessionRead(
            id=session_id,
            group_id=group_id,
            group_name=group.name,
            timezone=group.timezone,
            series_id=series_id,
            starts_at=p.starts_at.astimezone(zone),
            ends_at=p.ends_at.astimezone(zone),
            status=SCHEDULED,
            cancel_reason="",
            location=location,
            topic=data.topic.strip(),
            guide=data.guide,
            sequence=0,
            curriculum_step=None if step is None else step.code,
            step_title=None if step is None else step.title,
            step_out_of_order=session_id in late,
        )
        for session_id, p, step in zip(ids, keep, kept_steps, strict=True)
    ]
    return SessionsCreated(sessions=sessions, skipped=skipped)


# ---------------------------------------------------------------------------- read


async def _session_for(db: Connection, user: CurrentUser, session_id: int) -> SessionRow:
    await access.session(db, user, session_id)
    row = await queries.session(db, session_id)
    if row is None:
        raise NotFound(N_("No session with id {id}."), params={"id": session_id})
    return row


async def get_session(user: CurrentUser, session_id: int) -> SessionRead:
    async with database().read() as db:
        return (await _reads(db, [await _session_for(db, user, session_id)]))[0]


async def list_sessions(
    user: CurrentUser,
    group_id: int | None,
    from_: datetime | None,
    to: datetime | None,
    limit: int,
    offset: int,
    *,
    newest_first: bool = False,
) -> SessionList:
    """Sessions of one group, or of every group the user may see, by start time."""
    async with database().read() as db:
        if group_id is not None:
            await access.group(db, user, group_id)
        rows, total = await queries.sessions_page(
            db,
            access.group_scope(user),
            group_id,
            from_ or _EARLIEST,
            to or _LATEST,
            limit,
            offset,
            newest_first=newest_first,
        )
        return SessionList(items=await _reads(db, rows), total=total)


async def _member_rows(
    db: Connection, member_id: int, start: datetime, end: datetime, limit: int
) -> list[SessionRow]:
    """The sessions of the groups a member is active in, from the start of the day (group's
    zone) they joined each, starting in [start, end)."""
    memberships = await queries.active_memberships(db, member_id)
    if not memberships:
        return []
    joined_from: dict[int, datetime] = {}
    for m in memberships:
        joined: date | None = None if m["joined_on"] is None else as_date(m["joined_on"])
        joined_from[m["group_id"]] = (
            _EARLIEST
            if joined is None
            else datetime.combine(joined, time(), tzinfo=ZoneInfo(m["timezone"])).astimezone(UTC)
        )
    earliest = max(start, min(joined_from.values()))
    rows = await queries.sessions_of_groups(db, sorted(joined_from), earliest, end, limit)
    return [r for r in rows if r.starts_at >= joined_from[r.group_id]]


async def member_sessions(
    member_id: int,
    from_: datetime | None,
    to: datetime | None,
    limit: int,
    offset: int,
) -> SessionList:
    async with database().read() as db:
        rows = await _member_rows(db, member_id, from_ or _EARLIEST, to or _LATEST, FEED_LIMIT)
        items = await _reads(db, rows[offset : offset + limit])
    return SessionList(items=items, total=len(rows))


async def member_feed_rows(member_id: int) -> list[SessionRow]:
    async with database().read() as db:
        return await _member_rows(db, member_id, _EARLIEST, _LATEST, FEED_LIMIT)


async def group_feed_rows(
    user: CurrentUser, group_id: int
) -> tuple[access.GroupRef, list[SessionRow]]:
    async with database().read() as db:
        group = await access.group(db, user, group_id)
        return group, await queries.group_feed(db, group_id, FEED_LIMIT)


# ---------------------------------------------------------------------------- change


def _new_times(
    target: SessionRow, this: SessionRow, data: SessionUpdate, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The new start and end of ``target`` when ``this`` is changed by ``data``."""
    this_start = (
        utc_moment(data.starts_at, "starts_at", zone)
        if data.starts_at is not UNSET
        else this.starts_at
    )
    if data.ends_at is not UNSET:
        this_end = utc_moment(data.ends_at, "ends_at", zone)
    elif data.duration_minutes is not UNSET:
        this_end = this_start + timedelta(minutes=data.duration_minutes)
    else:
        this_end = this_start + (this.ends_at - this.starts_at)
    if target.id == this.id:
        return this_start, this_end
    # Later occurrences move by the same local wall-clock change, so 18:00 -> 19:00 stays
    # 19:00 on both sides of a daylight-saving change.
    delta = local_wall_time(this_start, zone) - local_wall_time(this.starts_at, zone)
    starts_at = utc_moment(shift_wall_clock(target.starts_at, delta, zone), "starts_at", zone)
    if data.ends_at is not UNSET or data.duration_minutes is not UNSET:
        duration = this_end - this_start
    else:
        duration = target.ends_at - target.starts_at
    return starts_at, starts_at + duration


def _changed(
    target: SessionRow,
    this: SessionRow,
    data: SessionUpdate,
    zone: ZoneInfo,
    reason: str | None,
    step: StepRef | UnsetType | None = UNSET,
) -> SessionRow:
    starts_at, ends_at = target.starts_at, target.ends_at
    if data.changes_time:
        starts_at, ends_at = _new_times(target, this, data, zone)
        _check_times(starts_at, ends_at, zone)
    status = str(data.status) if data.status is not UNSET else target.status
    cancel_reason = (
        (reason if reason is not None else target.cancel_reason) if (status == CANCELLED) else ""
    )
    return SessionRow(
        id=target.id,
        group_id=target.group_id,
        group_name=target.group_name,
        timezone=target.timezone,
        series_id=target.series_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        cancel_reason=cancel_reason,
        location=data.location.strip() if data.location is not UNSET else target.location,
        topic=data.topic.strip() if data.topic is not UNSET else target.topic,
        guide=data.guide if data.guide is not UNSET else target.guide,
        sequence=target.sequence + 1,
        roll_taken_at=target.roll_taken_at,
        updated_at=target.updated_at,
        **(
            {
                "curriculum_step_id": target.curriculum_step_id,
                "step_code": target.step_code,
                "step_title": target.step_title,
            }
            if step is UNSET or target.id != this.id
            else {
                "curriculum_step_id": None if step is None else step.id,
                "step_code": None if step is None else step.code,
                "step_title": None if step is None else step.title,
            }
        ),
    )


async def update_session(
    user: CurrentUser, session_id: int, data: SessionUpdate, *, group_id: int | None = None
) -> SessionRead:
    """Change a session (or it and the rest of its series); ``group_id``, when given, is the
    group the caller expects it in (a page's address): another group's session is 404."""
    if data.guide is not UNSET:
        check_guide_slug(data.guide)
    cancelling = data.status == CANCELLED
    reason = data.cancel_reason.strip() if data.cancel_reason is not UNSET else None
    if cancelling and not reason:
        raise Invalid(
            N_("Say why the session is cancelled."), field="cancel_reason", code="reason_required"
        )
    async with database().write() as db:
        this = await _session_for(db, user, session_id)
        if group_id is not None and this.group_id != group_id:
            raise NotFound(N_("No session {id} in this group."), params={"id": session_id})
        zone = ZoneInfo(this.timezone)
        targets = [this]
        if data.scope == "following" and this.series_id is not None:
            targets = await queries.following(db, this.series_id, this.starts_at)
        if (data.changes_time or cancelling) and any(t.roll_taken_at for t in targets):
            raise Conflict(
                N_(
                    "The roll has been taken for this session; it can no longer be moved or "
                    "cancelled."
                ),
                field="status" if cancelling else "starts_at",
                code="roll_taken",
            )
        step: StepRef | UnsetType | None = UNSET
        if data.curriculum_step is not UNSET:
            step = None
            if data.curriculum_step is not None:
                group = await access.group(db, user, this.group_id)
                if group.curriculum_id is None:
                    raise _no_curriculum()
                steps = await curricula.steps_of(db, group.curriculum_id)
                step = curricula.step_by_code(steps, data.curriculum_step)
        changed = [(t, _changed(t, this, data, zone, reason, step)) for t in targets]
        # Only what now needs a place in the calendar is checked: a session that stays
        # cancelled, or whose time, place and status do not change, cannot start a clash.
        to_check = [
            new
            for old, new in changed
            if new.status == SCHEDULED
            and (
                old.status != SCHEDULED
                or old.starts_at != new.starts_at
                or old.ends_at != new.ends_at
                or old.location.lower() != new.location.lower()
            )
        ]
        if to_check:
            facilitator_ids = await queries.facilitator_ids(db, this.group_id)
            await _lock(db, this.group_id, facilitator_ids, {n.location for n in to_check})
            found = await _clashes(
                db,
                user,
                this.group_id,
                facilitator_ids,
                [Planned(n.starts_at, n.ends_at, n.location) for n in to_check],
                zone,
                exclude_ids={t.id for t in targets},
            )
            if found:
                raise _clash_conflict(
                    [c for i in sorted(found) for c in found[i]], len(to_check), can_skip=False
                )
        moment = now()
        for _old, new in changed:
            await queries.update_session(db, new, moment)
        result = next(new for _old, new in changed if new.id == session_id)
        return (await _reads(db, [result]))[0]
