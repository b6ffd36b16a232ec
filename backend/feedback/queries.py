"""Every statement of members' feedback. Staff reads select no member column."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.db import SQL, Connection
from backend.domain.vocabulary import AttendanceStatus

ATTENDED = (AttendanceStatus.PRESENT.value, AttendanceStatus.LATE.value)

STATUS_OF = SQL("SELECT status FROM attendance WHERE session = {} AND member = {}")
ANSWER_OF = SQL(
    "SELECT ratings, purpose_mask, comment, updated_at FROM session_feedback "
    "WHERE session = {} AND member = {}"
)
UPSERT = SQL(
    'INSERT INTO session_feedback (session, "group", member, ratings, purpose_mask, comment, '
    "answered_at, updated_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}) "
    "ON CONFLICT (session, member) DO UPDATE SET ratings = excluded.ratings, "
    "purpose_mask = excluded.purpose_mask, comment = excluded.comment, "
    "updated_at = excluded.updated_at"
)
# Aggregates: answers of a group's sessions in [lo, hi) (no member column).
ANSWERS = SQL(
    "SELECT f.session, s.starts_at, f.ratings, f.purpose_mask, f.comment "
    "FROM session_feedback f JOIN group_session s ON s.id = f.session "
    'WHERE f."group" = {} AND s.starts_at >= {} AND s.starts_at < {} '
    "ORDER BY s.starts_at, f.session"
)
TAGS = SQL(
    "SELECT a.session, a.purpose_mask FROM attendance a "
    'WHERE a."group" = {} AND a.status IN ({}, {}) '
    'AND a.session IN (SELECT f.session FROM session_feedback f WHERE f."group" = {})'
)


async def status_of(db: Connection, session_id: int, member_id: int) -> str | None:
    row = await db.fetch_one(STATUS_OF, session_id, member_id)
    return None if row is None else row["status"]


async def answer_of(db: Connection, session_id: int, member_id: int) -> dict[str, Any] | None:
    return await db.fetch_one(ANSWER_OF, session_id, member_id)


async def upsert(
    db: Connection,
    session_id: int,
    group_id: int,
    member_id: int,
    ratings: str,
    purpose_mask: int,
    comment: str,
    moment: datetime,
) -> None:
    await db.execute(
        UPSERT, session_id, group_id, member_id, ratings, purpose_mask, comment, moment, moment
    )


async def answers(
    db: Connection, group_id: int, lo: datetime, hi: datetime
) -> list[dict[str, Any]]:
    return await db.fetch(ANSWERS, group_id, lo, hi)


async def tags(db: Connection, group_id: int) -> list[dict[str, Any]]:
    """Purposes the facilitators tagged on present or late records of sessions with answers."""
    return await db.fetch(TAGS, group_id, *ATTENDED, group_id)
