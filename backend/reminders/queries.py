"""Every statement of email reminders: who is due one, claiming one, and opting out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.db import SQL, Connection
from backend.domain.vocabulary import MembershipStatus, SessionStatus

CANCELLED = SessionStatus.CANCELLED.value
ACTIVE = MembershipStatus.ACTIVE.value

# Members with an email (their record's, else their login's) and reminders on, of sessions
# starting in (now, horizon]; not those who said ahead they cannot come.
DUE_SESSIONS = SQL(
    "SELECT DISTINCT s.id AS session_id, s.starts_at, s.topic, s.location, "
    "g.name AS group_name, g.timezone, m.id AS member_id, m.display_name, "
    "COALESCE(m.email, u.email) AS email, COALESCE(m.language, u.language) AS language "
    'FROM group_session s JOIN work_group g ON g.id = s."group" '
    'JOIN membership ms ON ms."group" = s."group" AND ms.status = {} '
    "JOIN member m ON m.id = ms.member LEFT JOIN app_user u ON u.member = m.id "
    "WHERE s.status <> {} AND s.starts_at > {} AND s.starts_at <= {} "
    "AND COALESCE(m.email, u.email) IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM reminder_opt_out o WHERE o.member = m.id) "
    "AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session = s.id AND a.member = m.id) "
    "ORDER BY s.starts_at, s.id, m.id"
)
# Facilitators (active, reminders on) and their sessions awaiting a roll call since ``since``.
AWAITING = SQL(
    "SELECT u.id AS user_id, u.email, u.display_name, u.language, s.id AS session_id, "
    "s.starts_at, g.name AS group_name, g.timezone FROM group_facilitator gf "
    'JOIN app_user u ON u.id = gf."user" JOIN work_group g ON g.id = gf."group" '
    'JOIN group_session s ON s."group" = g.id '
    "WHERE u.is_active AND s.status <> {} AND s.roll_taken_at IS NULL "
    "AND s.starts_at <= {} AND s.starts_at >= {} "
    'AND NOT EXISTS (SELECT 1 FROM reminder_opt_out o WHERE o."user" = u.id) '
    "ORDER BY u.id, s.starts_at, s.id"
)
CLAIM = SQL(
    "INSERT INTO reminder_sent (key, kind, claim, claimed_at, attempts, next_attempt_at, "
    "last_error) VALUES ({}, {}, {}, {}, 0, {}, '') ON CONFLICT (key) DO NOTHING"
)
RECLAIM = SQL(
    "UPDATE reminder_sent SET claim = {}, claimed_at = {} WHERE key = {} AND sent_at IS NULL "
    "AND claim IS NULL AND attempts < {} AND next_attempt_at <= {}"
)
OWNER = SQL("SELECT claim FROM reminder_sent WHERE key = {}")
MARK_SENT = SQL(
    "UPDATE reminder_sent SET sent_at = {}, attempts = attempts + 1 WHERE key = {} AND claim = {}"
)
RELEASE = SQL(
    "UPDATE reminder_sent SET claim = NULL, attempts = attempts + 1, next_attempt_at = {}, "
    "last_error = {} WHERE key = {} AND claim = {}"
)
MEMBER_OFF = SQL("SELECT 1 AS off FROM reminder_opt_out WHERE member = {}")
USER_OFF = SQL('SELECT 1 AS off FROM reminder_opt_out WHERE "user" = {}')
MEMBER_OPT_OUT = SQL(
    "INSERT INTO reminder_opt_out (member, created_at) VALUES ({}, {}) "
    "ON CONFLICT (member) DO NOTHING"
)
USER_OPT_OUT = SQL(
    'INSERT INTO reminder_opt_out ("user", created_at) VALUES ({}, {}) '
    'ON CONFLICT ("user") DO NOTHING'
)
MEMBER_OPT_IN = SQL("DELETE FROM reminder_opt_out WHERE member = {}")
USER_OPT_IN = SQL('DELETE FROM reminder_opt_out WHERE "user" = {}')


async def due_sessions(db: Connection, at: datetime, horizon: datetime) -> list[dict[str, Any]]:
    return await db.fetch(DUE_SESSIONS, ACTIVE, CANCELLED, at, horizon)


async def awaiting(db: Connection, at: datetime, since: datetime) -> list[dict[str, Any]]:
    return await db.fetch(AWAITING, CANCELLED, at, since)


async def claim(
    db: Connection, key: str, kind: str, token: str, at: datetime, max_attempts: int
) -> bool:
    """Take the reminder for this sender: a new one, or one a failed attempt released."""
    await db.execute(CLAIM, key, kind, token, at, at)
    await db.execute(RECLAIM, token, at, key, max_attempts, at)
    row = await db.fetch_one(OWNER, key)
    return row is not None and row["claim"] == token


async def mark_sent(db: Connection, key: str, token: str, at: datetime) -> None:
    await db.execute(MARK_SENT, at, key, token)


async def release(db: Connection, key: str, token: str, retry_at: datetime, error: str) -> None:
    await db.execute(RELEASE, retry_at, error[:500], key, token)


async def is_off(db: Connection, *, member_id: int | None, user_id: int | None) -> bool:
    if member_id is not None:
        return await db.fetch_one(MEMBER_OFF, member_id) is not None
    return await db.fetch_one(USER_OFF, user_id) is not None


async def set_off(
    db: Connection, off: bool, at: datetime, *, member_id: int | None, user_id: int | None
) -> None:
    if member_id is not None:
        if off:
            await db.execute(MEMBER_OPT_OUT, member_id, at)
        else:
            await db.execute(MEMBER_OPT_IN, member_id)
    elif off:
        await db.execute(USER_OPT_OUT, user_id, at)
    else:
        await db.execute(USER_OPT_IN, user_id)
