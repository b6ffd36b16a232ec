"""Every statement of scheduling: sessions, series, clash candidates, calendar tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from backend.access import GroupScope
from backend.db import SQL, Connection, convert
from backend.db.sql import cached
from backend.domain.vocabulary import MembershipStatus, SessionStatus
from backend.scheduling.schemas import SessionRead
from backend.scheduling.tables import Series, Session

SCHEDULED = SessionStatus.SCHEDULED.value


class SessionRow(msgspec.Struct, frozen=True):
    """A session as stored, times in UTC, with its group's name and zone."""

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
    curriculum_step_id: int | None = None
    step_code: str | None = None
    step_title: str | None = None

    def read(self, *, out_of_order: bool = False) -> SessionRead:
        zone = ZoneInfo(self.timezone)
        return SessionRead(
            id=self.id,
            group_id=self.group_id,
            group_name=self.group_name,
            timezone=self.timezone,
            series_id=self.series_id,
            starts_at=self.starts_at.astimezone(zone),
            ends_at=self.ends_at.astimezone(zone),
            status=SessionStatus(self.status),
            cancel_reason=self.cancel_reason,
            location=self.location,
            topic=self.topic,
            guide=self.guide,
            sequence=self.sequence,
            curriculum_step=self.step_code,
            step_title=self.step_title,
            step_out_of_order=out_of_order,
        )


_SESSION_SELECT = (
    'SELECT s.id, s."group" AS group_id, g.name AS group_name, g.timezone, '
    "s.series AS series_id, s.starts_at, s.ends_at, s.status, "
    "COALESCE(s.cancel_reason, '') AS cancel_reason, COALESCE(s.location, '') AS location, "
    "COALESCE(s.topic, '') AS topic, s.guide, s.sequence, s.roll_taken_at, s.updated_at, "
    "s.curriculum_step AS curriculum_step_id, cs.code AS step_code, cs.title AS step_title "
    'FROM group_session s JOIN work_group g ON g.id = s."group" '
    "LEFT JOIN curriculum_step cs ON cs.id = s.curriculum_step "
)
SESSION = SQL(_SESSION_SELECT + "WHERE s.id = {}")
FOLLOWING = SQL(
    _SESSION_SELECT + "WHERE s.series = {} AND s.starts_at >= {} ORDER BY s.starts_at, s.id"
)
GROUP_FEED = SQL(_SESSION_SELECT + 'WHERE s."group" = {} ORDER BY s.starts_at, s.id LIMIT {}')
FACILITATORS = SQL('SELECT "user" FROM group_facilitator WHERE "group" = {} ORDER BY 1')
GROUPS_OF_FACILITATORS = SQL(
    'SELECT DISTINCT "group" FROM group_facilitator WHERE "user" IN_IDS({})'
)
NEAR_IN_GROUPS = SQL(
    'SELECT s.id, s."group" AS group_id, s.starts_at, s.ends_at FROM group_session s '
    'WHERE s."group" IN_IDS({}) AND s.status = {} AND s.starts_at >= {} AND s.starts_at < {}'
)
NEAR_AT_PLACE = SQL(
    'SELECT s.id, s."group" AS group_id, s.starts_at, s.ends_at FROM group_session s '
    "WHERE lower(s.location) = {} AND s.status = {} AND s.starts_at >= {} AND s.starts_at < {}"
)
VISIBLE_GROUPS = "SELECT g.id FROM work_group g WHERE g.id IN_IDS({}) AND "
ACTIVE_MEMBERSHIPS = SQL(
    'SELECT ms."group" AS group_id, ms.joined_on, g.timezone FROM membership ms '
    'JOIN work_group g ON g.id = ms."group" WHERE ms.member = {} AND ms.status = {} '
    'ORDER BY ms."group"'
)
SESSIONS_OF_GROUPS = SQL(
    _SESSION_SELECT + 'WHERE s."group" IN_IDS({}) '
    "AND s.starts_at >= {} AND s.starts_at < {} ORDER BY s.starts_at, s.id LIMIT {}"
)
UPDATE_SESSION = SQL(
    "UPDATE group_session SET starts_at = {}, ends_at = {}, status = {}, cancel_reason = {}, "
    "location = {}, topic = {}, guide = {}, curriculum_step = {}, sequence = sequence + 1, "
    "updated_at = {} WHERE id = {}"
)
# The steps of a group's sessions that are not cancelled, by start: for the order check and
# for the next steps of a new series.
STEPS_TAUGHT = SQL(
    'SELECT s.id, s."group" AS group_id, s.starts_at, s.curriculum_step AS step_id, '
    "cs.position FROM group_session s JOIN curriculum_step cs ON cs.id = s.curriculum_step "
    'WHERE s."group" IN_IDS({}) AND s.status <> {} ORDER BY s.starts_at, s.id'
)


def _rows(rows: list[dict[str, Any]]) -> list[SessionRow]:
    return convert(rows, list[SessionRow])


async def session(db: Connection, session_id: int) -> SessionRow | None:
    row = await db.fetch_one(SESSION, session_id)
    return None if row is None else convert(row, SessionRow)


async def following(db: Connection, series_id: int, starts_at: datetime) -> list[SessionRow]:
    return _rows(await db.fetch(FOLLOWING, series_id, starts_at))


async def sessions_page(
    db: Connection,
    scope: GroupScope,
    group_id: int | None,
    start: datetime,
    end: datetime,
    limit: int,
    offset: int,
    *,
    newest_first: bool = False,
) -> tuple[list[SessionRow], int]:
    """Sessions starting in [start, end) of one group, or of every group in ``scope``."""
    where = "WHERE s.starts_at >= {} AND s.starts_at < {} AND " + scope.on('s."group"')
    args: list[Any] = [start, end, *scope.args]
    if group_id is not None:
        where += ' AND s."group" = {}'
        args.append(group_id)
    order = "s.starts_at DESC, s.id DESC" if newest_first else "s.starts_at, s.id"
    rows = await db.fetch(
        cached(_SESSION_SELECT + where + f" ORDER BY {order} LIMIT {{}} OFFSET {{}}"),
        *args,
        limit,
        offset,
    )
    total = await db.fetch_value(
        cached("SELECT COUNT(*) AS n FROM group_session s " + where), *args
    )
    return _rows(rows), int(total)


async def group_feed(db: Connection, group_id: int, limit: int) -> list[SessionRow]:
    return _rows(await db.fetch(GROUP_FEED, group_id, limit))


async def active_memberships(db: Connection, member_id: int) -> list[dict[str, Any]]:
    return await db.fetch(ACTIVE_MEMBERSHIPS, member_id, MembershipStatus.ACTIVE.value)


async def sessions_of_groups(
    db: Connection, group_ids: list[int], start: datetime, end: datetime, limit: int
) -> list[SessionRow]:
    return _rows(await db.fetch(SESSIONS_OF_GROUPS, db.ids(group_ids), start, end, limit))


async def facilitator_ids(db: Connection, group_id: int) -> list[int]:
    return [r["user"] for r in await db.fetch(FACILITATORS, group_id)]


async def groups_of_facilitators(db: Connection, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    return {r["group"] for r in await db.fetch(GROUPS_OF_FACILITATORS, db.ids(user_ids))}


async def scheduled_in_groups(
    db: Connection, group_ids: set[int], low: datetime, high: datetime
) -> list[dict[str, Any]]:
    return await db.fetch(NEAR_IN_GROUPS, db.ids(sorted(group_ids)), SCHEDULED, low, high)


async def scheduled_at_place(
    db: Connection, place: str, low: datetime, high: datetime
) -> list[dict[str, Any]]:
    return await db.fetch(NEAR_AT_PLACE, place, SCHEDULED, low, high)


async def visible_groups(db: Connection, scope: GroupScope, group_ids: set[int]) -> set[int]:
    """Which of ``group_ids`` are in ``scope``."""
    if not group_ids:
        return set()
    if scope.everything:
        return set(group_ids)
    rows = await db.fetch(
        cached(VISIBLE_GROUPS + scope.on("g.id")), db.ids(sorted(group_ids)), *scope.args
    )
    return {r["id"] for r in rows}


async def insert_series(db: Connection, values: dict[str, Any]) -> int:
    rows = await db.fetch(Series.insert(Series(**values)).returning(Series.id))
    return rows[0]["id"]


async def insert_sessions(db: Connection, sessions: list[dict[str, Any]]) -> list[int]:
    rows = await db.fetch(
        Session.insert(*[Session(**values) for values in sessions]).returning(Session.id)
    )
    return sorted(r["id"] for r in rows)


async def update_session(db: Connection, row: SessionRow, moment: datetime) -> None:
    await db.execute(
        UPDATE_SESSION,
        row.starts_at,
        row.ends_at,
        row.status,
        row.cancel_reason,
        row.location,
        row.topic,
        row.guide,
        row.curriculum_step_id,
        moment,
        row.id,
    )


async def steps_taught(db: Connection, group_ids: list[int]) -> list[dict[str, Any]]:
    """The sessions with a step in these groups (cancelled ones aside), by start."""
    return await db.fetch(STEPS_TAUGHT, db.ids(group_ids), SessionStatus.CANCELLED.value)
