"""Every statement of data rights: a member's own export, erasure and retention."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from backend.db import SQL, Connection
from backend.domain.vocabulary import OPEN_MEMBERSHIPS

PROFILE = SQL(
    "SELECT m.id, m.display_name, m.email, m.phone, m.language, m.created_at, "
    "u.email AS login_email FROM member m LEFT JOIN app_user u ON u.member = m.id "
    "WHERE m.id = {}"
)
MEMBERSHIPS = SQL(
    'SELECT ms."group" AS group_id, g.name AS group_name, ms.status, ms.joined_on, '
    "ms.left_on, ms.consent_given_at FROM membership ms "
    'JOIN work_group g ON g.id = ms."group" WHERE ms.member = {} ORDER BY ms.id'
)
FEEDBACK = SQL(
    "SELECT session AS session_id, ratings, purpose_mask, comment, answered_at, updated_at "
    "FROM session_feedback WHERE member = {} ORDER BY session"
)
MEMBER_EXISTS = SQL("SELECT id FROM member WHERE id = {}")
OPEN_COUNT = SQL("SELECT COUNT(*) AS n FROM membership WHERE member = {} AND status IN ({}, {})")
ERASED = SQL("SELECT 1 AS done FROM rights_audit WHERE member_id = {} AND action = {}")
ANONYMISE = SQL(
    "UPDATE member SET display_name = {}, email = NULL, phone = NULL, phone_key = NULL, "
    "language = NULL WHERE id = {}"
)
LOGIN = SQL("SELECT id FROM app_user WHERE member = {}")
DELETE_LOGIN = SQL("DELETE FROM app_user WHERE member = {}")
DELETE_FEED = SQL("DELETE FROM calendar_token WHERE member = {}")
CLEAR_NOTES = SQL("UPDATE attendance SET note = NULL WHERE member = {} AND note IS NOT NULL")
AUDIT_ROWS = SQL("SELECT id, before, after FROM attendance_audit WHERE member = {}")
SET_AUDIT = SQL("UPDATE attendance_audit SET before = {}, after = {} WHERE id = {}")
CLEAR_CONTACT_NOTES = SQL("UPDATE follow_up_contact SET note = '' WHERE member = {} AND note <> ''")
CLEAR_COMMENTS = SQL("UPDATE session_feedback SET comment = '' WHERE member = {} AND comment <> ''")
COUNT_NOTES = SQL("SELECT COUNT(*) AS n FROM attendance WHERE member = {} AND note IS NOT NULL")
COUNT_CONTACT_NOTES = SQL(
    "SELECT COUNT(*) AS n FROM follow_up_contact WHERE member = {} AND note <> ''"
)
COUNT_COMMENTS = SQL(
    "SELECT COUNT(*) AS n FROM session_feedback WHERE member = {} AND comment <> ''"
)
INSERT_AUDIT = SQL(
    "INSERT INTO rights_audit (action, member_id, acted_by, acted_at, detail) "
    "VALUES ({}, {}, {}, {}, {})"
)
# Members with memberships, none of them open, the last ended before ``cutoff``, not erased.
EXPIRED = SQL(
    "SELECT ms.member AS member_id FROM membership ms GROUP BY ms.member "
    "HAVING SUM(CASE WHEN ms.status IN ({}, {}) OR ms.left_on IS NULL THEN 1 ELSE 0 END) = 0 "
    "AND MAX(ms.left_on) < {} "
    "AND ms.member NOT IN (SELECT r.member_id FROM rights_audit r "
    "WHERE r.action = {} AND r.member_id IS NOT NULL) ORDER BY ms.member"
)


async def profile(db: Connection, member_id: int) -> dict[str, Any] | None:
    return await db.fetch_one(PROFILE, member_id)


async def memberships(db: Connection, member_id: int) -> list[dict[str, Any]]:
    return await db.fetch(MEMBERSHIPS, member_id)


async def feedback(db: Connection, member_id: int) -> list[dict[str, Any]]:
    return await db.fetch(FEEDBACK, member_id)


async def exists(db: Connection, member_id: int) -> bool:
    return await db.fetch_one(MEMBER_EXISTS, member_id) is not None


async def open_memberships(db: Connection, member_id: int) -> int:
    row = await db.fetch_one(OPEN_COUNT, member_id, *OPEN_MEMBERSHIPS)
    return int(row["n"]) if row else 0


ERASED_AMONG = SQL(
    "SELECT DISTINCT member_id FROM rights_audit WHERE member_id IN_IDS({}) AND action = {}"
)


async def erased_among(db: Connection, member_ids: list[int], action: str) -> set[int]:
    rows = await db.fetch(ERASED_AMONG, db.ids(member_ids), action)
    return {r["member_id"] for r in rows}


async def erased(db: Connection, member_id: int, action: str) -> bool:
    return await db.fetch_one(ERASED, member_id, action) is not None


async def count(db: Connection, statement: SQL, member_id: int) -> int:
    row = await db.fetch_one(statement, member_id)
    return int(row["n"]) if row else 0


async def has_login(db: Connection, member_id: int) -> bool:
    return await db.fetch_one(LOGIN, member_id) is not None


async def anonymise(db: Connection, member_id: int, label: str) -> None:
    """The member's personal values removed (the row stays: the figures refer to it)."""
    await db.execute(ANONYMISE, label, member_id)
    await db.execute(DELETE_FEED, member_id)
    await db.execute(DELETE_LOGIN, member_id)
    await db.execute(CLEAR_NOTES, member_id)
    await db.execute(CLEAR_CONTACT_NOTES, member_id)
    await db.execute(CLEAR_COMMENTS, member_id)


async def audit_rows(db: Connection, member_id: int) -> list[dict[str, Any]]:
    return await db.fetch(AUDIT_ROWS, member_id)


async def set_audit(db: Connection, row_id: int, before: str | None, after: str | None) -> None:
    await db.execute(SET_AUDIT, before, after, row_id)


async def record(
    db: Connection,
    action: str,
    member_id: int | None,
    user_id: int | None,
    at: datetime,
    detail: str,
) -> None:
    await db.execute(INSERT_AUDIT, action, member_id, user_id, at, detail)


async def expired(db: Connection, cutoff: date, erase_action: str) -> list[int]:
    rows = await db.fetch(EXPIRED, *OPEN_MEMBERSHIPS, cutoff, erase_action)
    return [r["member_id"] for r in rows]
