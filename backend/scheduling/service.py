"""Sessions: one-off or a series from an RRULE, clash rules, rescheduling and cancelling.

Rules:

* A facilitator cannot be in two sessions at once: a new or moved session of group G clashes
  with every scheduled session of any group that shares a facilitator with G (G itself
  included), and with every scheduled session in the same non-empty location (compared without
  regard to case). Two sessions overlap when each starts before the other ends; cancelled
  sessions never clash.
* A clash is a 409 listing every clashing occurrence and nothing is written, unless the
  request says ``on_conflict: "skip"``: then the rest is created and the clashing ones are
  returned in ``skipped``.
* The clash check and the writes run in one write transaction. On SQLite that transaction
  holds the write lock from its start; on PostgreSQL it takes transaction-scoped advisory
  locks on the group, each of its facilitators and the location, so two requests that could
  clash with each other queue instead of both passing the check.
* Every change to a session increases its ``sequence`` (calendar apps use it to replace the
  event) and sets ``updated_at``.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from msgspec import UNSET, to_builtins

from backend.accounts.schemas import CurrentUser
from backend.db.engine import is_sqlite, write_transaction
from backend.db.schema import current_engine
from backend.groups.service import require_group
from backend.groups.tables import Group, GroupFacilitator, Membership
from backend.guides.service import check_guide_slug
from backend.lib.errors import Conflict, Invalid, NotFound
from backend.scheduling.recurrence import (
    Slot,
    expand,
    local_wall_time,
    shift_wall_clock,
    to_utc,
)
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
from backend.scheduling.tables import Series, Session

SCHEDULED, CANCELLED = "scheduled", "cancelled"
MAX_DURATION = timedelta(minutes=MAX_DURATION_MINUTES)
FEED_LIMIT = 5000


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(value: Any) -> datetime:
    """A timestamp from a query (SQLite may give text when a column's type is lost)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: int
    name: str
    timezone: str
    location: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Row:
    """A session as stored, times in UTC."""

    id: int
    group_id: int
    group_name: str
    timezone: str
    series_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: str
    cancel_reason: str
    location: str
    topic: str
    guide: str | None
    sequence: int
    roll_taken_at: datetime | None
    updated_at: datetime

    def read(self) -> SessionRead:
        zone = ZoneInfo(self.timezone)
        return SessionRead(
            id=self.id,
            group_id=self.group_id,
            group_name=self.group_name,
            timezone=self.timezone,
            series_id=self.series_id,
            starts_at=self.starts_at.astimezone(zone),
            ends_at=self.ends_at.astimezone(zone),
            status=self.status,  # type: ignore[arg-type]
            cancel_reason=self.cancel_reason,
            location=self.location,
            topic=self.topic,
            guide=self.guide,
            sequence=self.sequence,
        )


_ROW_SELECT = (
    'SELECT s.id, s."group" AS group_id, g.name AS group_name, g.timezone, '
    "s.series AS series_id, s.starts_at, s.ends_at, s.status, s.cancel_reason, s.location, "
    "s.topic, s.guide, s.sequence, s.roll_taken_at, s.updated_at "
    'FROM group_session s JOIN work_group g ON g.id = s."group" '
)


def _row(raw: dict[str, Any]) -> Row:
    return Row(
        id=raw["id"],
        group_id=raw["group_id"],
        group_name=raw["group_name"],
        timezone=raw["timezone"],
        series_id=raw["series_id"],
        starts_at=as_utc(raw["starts_at"]),
        ends_at=as_utc(raw["ends_at"]),
        status=raw["status"],
        cancel_reason=raw["cancel_reason"] or "",
        location=raw["location"] or "",
        topic=raw["topic"] or "",
        guide=raw["guide"],
        sequence=raw["sequence"],
        roll_taken_at=None if raw["roll_taken_at"] is None else as_utc(raw["roll_taken_at"]),
        updated_at=as_utc(raw["updated_at"]),
    )


async def _rows(where_sql: str, *args: Any, tail: str = "") -> list[Row]:
    """Sessions with their group; ``where_sql``/``tail`` are constant fragments, values bound."""
    raw = await Session.raw(_ROW_SELECT + where_sql + tail, *args)
    return [_row(r) for r in raw]


async def _group(group_id: int) -> GroupInfo:
    row = (
        await Group.select(Group.id, Group.name, Group.timezone, Group.location)
        .where(Group.id == group_id)
        .first()
    )
    if row is None:
        raise NotFound(f"No group with id {group_id}.")
    return GroupInfo(**row)


async def _facilitator_ids(group_id: int) -> list[int]:
    rows = await GroupFacilitator.select(GroupFacilitator.user).where(
        GroupFacilitator.group == group_id
    )
    return sorted({r["user"] for r in rows})


# ---------------------------------------------------------------------------- clashes


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def _lock(group_id: int, facilitator_ids: list[int], locations: set[str]) -> None:
    """Serialise writes that could clash with each other (PostgreSQL; SQLite is serial)."""
    if is_sqlite(current_engine()):
        return
    names = [f"group:{group_id}", *(f"user:{u}" for u in facilitator_ids)]
    names += [f"place:{loc.strip().lower()}" for loc in locations if loc.strip()]
    for key in sorted({_lock_key(n) for n in names}):
        await Session.raw("SELECT pg_advisory_xact_lock({})::text AS locked", key)


@dataclass(frozen=True, slots=True)
class Planned:
    """An occurrence about to be written (times in UTC)."""

    starts_at: datetime
    ends_at: datetime
    location: str


async def _clashes(
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
    group_ids = {group_id}
    if facilitator_ids:
        links = await GroupFacilitator.select(GroupFacilitator.group).where(
            GroupFacilitator.user.is_in(facilitator_ids)
        )
        group_ids |= {link["group"] for link in links}
    by_group = await Session.select(
        Session.id, Session.group, Session.starts_at, Session.ends_at
    ).where(
        Session.group.is_in(sorted(group_ids)),
        Session.status == SCHEDULED,
        Session.starts_at >= low,
        Session.starts_at < high,
    )
    # Every scheduled session near the planned times that shares a facilitator (by group)
    # or a place with them: id -> (row, shares a facilitator, its place in lower case).
    others: dict[int, tuple[dict[str, Any], bool, str]] = {r["id"]: (r, True, "") for r in by_group}
    places = sorted({p.location.strip().lower() for p in planned if p.location.strip()})
    for place in places:
        rows = await Session.raw(
            'SELECT id, "group", starts_at, ends_at FROM group_session '
            "WHERE lower(location) = {} AND status = 'scheduled' "
            "AND starts_at >= {} AND starts_at < {}",
            place,
            low,
            high,
        )
        for row in rows:
            shares_facilitator = row["id"] in others and others[row["id"]][1]
            others[row["id"]] = (row, shares_facilitator, place)
    candidates = [
        (row, shares, place, as_utc(row["starts_at"]), as_utc(row["ends_at"]))
        for row, shares, place in others.values()
        if row["id"] not in exclude_ids
    ]
    candidates.sort(key=lambda c: (c[3], c[0]["id"]))
    found: dict[int, list[Clash]] = {}
    for index, occurrence in enumerate(planned):
        place = occurrence.location.strip().lower()
        for row, shares, other_place, starts, ends in candidates:
            same_place = bool(place) and other_place == place
            if not (shares or same_place):
                continue
            if occurrence.starts_at < ends and occurrence.ends_at > starts:
                found.setdefault(index, []).append(
                    Clash(
                        starts_at=occurrence.starts_at.astimezone(zone),
                        ends_at=occurrence.ends_at.astimezone(zone),
                        clashes_with=ClashWith(
                            session_id=row["id"],
                            group_id=row["group"],
                            starts_at=starts.astimezone(zone),
                            ends_at=ends.astimezone(zone),
                        ),
                        reason="facilitator" if shares else "location",
                    )
                )
    return found


def _clash_conflict(clashes: list[Clash], planned: int, *, can_skip: bool = True) -> Conflict:
    occurrences = len({c.starts_at for c in clashes})
    what = (
        "The session clashes" if planned == 1 else f"{occurrences} of the {planned} sessions clash"
    )
    return Conflict(
        f"{what} with a session already booked for a facilitator or the same place; nothing "
        "was saved. Pick another time or place"
        + ('; or send on_conflict: "skip" to create the others.' if can_skip else "."),
        extra={"clashes": to_builtins(clashes)},
    )


# ---------------------------------------------------------------------------- create


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise Invalid("ends_at must be after starts_at.", field="ends_at")
    if ends_at - starts_at > MAX_DURATION:
        raise Invalid("A session can last at most 24 hours.", field="ends_at")


async def create_sessions(user: CurrentUser, group_id: int, data: SessionCreate) -> SessionsCreated:
    await require_group(user, group_id)
    group = await _group(group_id)
    zone = group.zone
    check_guide_slug(data.guide)
    location = (data.location if data.location is not None else group.location).strip()
    if data.is_series:
        assert data.first_starts_at is not None and data.rrule is not None
        assert data.duration_minutes is not None
        # Off the event loop: a long rule can take a tenth of a second to expand or refuse.
        slots = await asyncio.to_thread(
            expand, data.rrule, data.first_starts_at, data.duration_minutes, zone
        )
    else:
        assert data.starts_at is not None
        starts_at = to_utc(data.starts_at, zone)
        if data.ends_at is not None:
            ends_at = to_utc(data.ends_at, zone)
        else:
            ends_at = starts_at + timedelta(minutes=data.duration_minutes or 0)
        _check_times(starts_at, ends_at)
        slots = [Slot(starts_at=starts_at, ends_at=ends_at)]
    planned = [Planned(s.starts_at, s.ends_at, location) for s in slots]
    moment = now()
    async with write_transaction(current_engine()):
        facilitator_ids = await _facilitator_ids(group_id)
        await _lock(group_id, facilitator_ids, {location})
        found = await _clashes(group_id, facilitator_ids, planned, zone)
        skipped = [clash for index in sorted(found) for clash in found[index]]
        if found and data.on_conflict != "skip":
            raise _clash_conflict(skipped, len(planned))
        keep = [p for index, p in enumerate(planned) if index not in found]
        series_id = None
        if data.is_series and keep:
            assert data.first_starts_at is not None and data.rrule is not None
            rows = await Series.insert(
                Series(
                    group=group_id,
                    rrule=data.rrule.strip(),
                    first_starts_at=to_utc(data.first_starts_at, zone),
                    duration_minutes=data.duration_minutes,
                    created_at=moment,
                    created_by=user.id,
                )
            ).returning(Series.id)
            series_id = rows[0]["id"]
        ids: list[int] = []
        if keep:
            rows = await Session.insert(
                *[
                    Session(
                        group=group_id,
                        series=series_id,
                        starts_at=p.starts_at,
                        ends_at=p.ends_at,
                        status=SCHEDULED,
                        cancel_reason="",
                        location=location,
                        topic=data.topic.strip(),
                        guide=data.guide,
                        sequence=0,
                        updated_at=moment,
                    )
                    for p in keep
                ]
            ).returning(Session.id)
            ids = sorted(r["id"] for r in rows)
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
        )
        for session_id, p in zip(ids, keep, strict=True)
    ]
    return SessionsCreated(sessions=sessions, skipped=skipped)


# ---------------------------------------------------------------------------- read


async def _session_row(session_id: int) -> Row:
    rows = await _rows("WHERE s.id = {}", session_id)
    if not rows:
        raise NotFound(f"No session with id {session_id}.")
    return rows[0]


async def get_session(user: CurrentUser, session_id: int) -> SessionRead:
    row = await _session_row(session_id)
    try:
        await require_group(user, row.group_id)
    except NotFound:
        raise NotFound(f"No session with id {session_id} among your groups.") from None
    return row.read()


def _range_sql(from_: datetime | None, to: datetime | None) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if from_ is not None:
        clauses.append("s.starts_at >= {}")
        args.append(as_utc(from_))
    if to is not None:
        clauses.append("s.starts_at < {}")
        args.append(as_utc(to))
    return clauses, args


async def _page(
    clauses: list[str], args: list[Any], limit: int, offset: int, newest_first: bool = False
) -> SessionList:
    where = ("WHERE " + " AND ".join(clauses) + " ") if clauses else ""
    order = "s.starts_at DESC, s.id DESC" if newest_first else "s.starts_at, s.id"
    rows = await _rows(where, *args, limit, offset, tail=f"ORDER BY {order} LIMIT {{}} OFFSET {{}}")
    count = await Session.raw(
        "SELECT COUNT(*) AS total FROM group_session s " + where,  # noqa: S608
        *args,
    )
    return SessionList(items=[r.read() for r in rows], total=int(count[0]["total"]))


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
    """Sessions of one group, or of every group the user facilitates (all groups: admins)."""
    clauses, args = _range_sql(from_, to)
    if group_id is not None:
        await require_group(user, group_id)
        clauses.insert(0, 's."group" = {}')
        args.insert(0, group_id)
    elif not user.is_admin:
        clauses.insert(
            0, 's."group" IN (SELECT gf."group" FROM group_facilitator gf WHERE gf."user" = {})'
        )
        args.insert(0, user.id)
    return await _page(clauses, args, limit, offset, newest_first)


async def _member_scope(member_id: int) -> tuple[str, list[Any]] | None:
    """The SQL condition for the sessions a member may see: those of groups where they are
    an active member, from the start of the day (group's zone) they joined."""
    rows = await Membership.raw(
        'SELECT ms."group" AS group_id, ms.joined_on, g.timezone FROM membership ms '
        'JOIN work_group g ON g.id = ms."group" '
        "WHERE ms.member = {} AND ms.status = 'active' ORDER BY ms.\"group\"",
        member_id,
    )
    if not rows:
        return None
    parts: list[str] = []
    args: list[Any] = []
    for row in rows:
        joined = row["joined_on"]
        if isinstance(joined, str):
            joined = date.fromisoformat(joined)
        parts.append('(s."group" = {} AND s.starts_at >= {})')
        args.append(row["group_id"])
        if joined is None:
            args.append(datetime(1970, 1, 1, tzinfo=UTC))
        else:
            args.append(to_utc(datetime.combine(joined, time()), ZoneInfo(row["timezone"])))
    return "(" + " OR ".join(parts) + ")", args


async def member_sessions(
    member_id: int,
    from_: datetime | None,
    to: datetime | None,
    limit: int,
    offset: int,
) -> SessionList:
    scope = await _member_scope(member_id)
    if scope is None:
        return SessionList(items=[], total=0)
    clauses, args = _range_sql(from_, to)
    return await _page([scope[0], *clauses], [*scope[1], *args], limit, offset)


async def member_feed_rows(member_id: int) -> list[Row]:
    scope = await _member_scope(member_id)
    if scope is None:
        return []
    return await _rows(
        "WHERE " + scope[0] + " ",
        *scope[1],
        FEED_LIMIT,
        tail="ORDER BY s.starts_at, s.id LIMIT {}",
    )


async def group_feed_rows(user: CurrentUser, group_id: int) -> tuple[GroupInfo, list[Row]]:
    await require_group(user, group_id)
    group = await _group(group_id)
    rows = await _rows(
        'WHERE s."group" = {} ', group_id, FEED_LIMIT, tail="ORDER BY s.starts_at, s.id LIMIT {}"
    )
    return group, rows


# ---------------------------------------------------------------------------- change


def _new_times(
    target: Row, this: Row, data: SessionUpdate, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The new start and end of ``target`` when ``this`` is changed by ``data``."""
    this_start = to_utc(data.starts_at, zone) if data.starts_at is not UNSET else this.starts_at
    if data.ends_at is not UNSET:
        this_end = to_utc(data.ends_at, zone)
    elif data.duration_minutes is not UNSET:
        this_end = this_start + timedelta(minutes=data.duration_minutes)
    else:
        this_end = this_start + (this.ends_at - this.starts_at)
    if target.id == this.id:
        return this_start, this_end
    # Later occurrences move by the same local wall-clock change, so 18:00 -> 19:00 stays
    # 19:00 on both sides of a daylight-saving change.
    delta = local_wall_time(this_start, zone) - local_wall_time(this.starts_at, zone)
    starts_at = shift_wall_clock(target.starts_at, delta, zone)
    if data.ends_at is not UNSET or data.duration_minutes is not UNSET:
        duration = this_end - this_start
    else:
        duration = target.ends_at - target.starts_at
    return starts_at, starts_at + duration


async def update_session(user: CurrentUser, session_id: int, data: SessionUpdate) -> SessionRead:
    first = await _session_row(session_id)
    try:
        await require_group(user, first.group_id)
    except NotFound:
        raise NotFound(f"No session with id {session_id} among your groups.") from None
    if data.guide is not UNSET:
        check_guide_slug(data.guide)
    cancelling = data.status == CANCELLED
    reason = data.cancel_reason.strip() if data.cancel_reason is not UNSET else None
    if cancelling and not reason:
        raise Invalid("Say why the session is cancelled.", field="cancel_reason")
    zone = ZoneInfo(first.timezone)
    moment = now()
    async with write_transaction(current_engine()):
        this = await _session_row(session_id)
        targets = [this]
        if data.scope == "following" and this.series_id is not None:
            targets = await _rows(
                "WHERE s.series = {} AND s.starts_at >= {} ",
                this.series_id,
                this.starts_at,
                tail="ORDER BY s.starts_at, s.id",
            )
        if (data.changes_time or cancelling) and any(t.roll_taken_at for t in targets):
            raise Conflict(
                "The roll has been taken for this session; it can no longer be moved or cancelled.",
                field="status" if cancelling else "starts_at",
            )
        changed: list[tuple[Row, Row]] = []
        for target in targets:
            starts_at, ends_at = target.starts_at, target.ends_at
            if data.changes_time:
                starts_at, ends_at = _new_times(target, this, data, zone)
                _check_times(starts_at, ends_at)
            status = data.status if data.status is not UNSET else target.status
            if status == CANCELLED:
                cancel_reason = reason if reason is not None else target.cancel_reason
            else:
                cancel_reason = ""
            new = replace(
                target,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                cancel_reason=cancel_reason,
                location=(data.location.strip() if data.location is not UNSET else target.location),
                topic=data.topic.strip() if data.topic is not UNSET else target.topic,
                guide=data.guide if data.guide is not UNSET else target.guide,
                sequence=target.sequence + 1,
                updated_at=moment,
            )
            changed.append((target, new))
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
            facilitator_ids = await _facilitator_ids(this.group_id)
            await _lock(this.group_id, facilitator_ids, {n.location for n in to_check})
            found = await _clashes(
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
        for _old, new in changed:
            await Session.update(
                {
                    Session.starts_at: new.starts_at,
                    Session.ends_at: new.ends_at,
                    Session.status: new.status,
                    Session.cancel_reason: new.cancel_reason,
                    Session.location: new.location,
                    Session.topic: new.topic,
                    Session.guide: new.guide,
                    Session.sequence: Session.sequence + 1,
                    Session.updated_at: moment,
                }
            ).where(Session.id == new.id)
    return next(new for _old, new in changed if new.id == session_id).read()
