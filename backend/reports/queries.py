"""Every statement of reports: who belongs in a report, sessions awaiting a roll, CSV rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.db import SQL, Connection
from backend.domain.vocabulary import COUNTING_MEMBERSHIPS, AttendanceStatus, SessionStatus

CANCELLED = SessionStatus.CANCELLED.value

PERIODS = SQL(
    "SELECT ms.member, m.display_name, ms.joined_on, ms.left_on FROM membership ms "
    'JOIN member m ON m.id = ms.member WHERE ms."group" = {} AND ms.status IN ({}, {}) '
    "AND ms.joined_on IS NOT NULL"
)
AWAITING = SQL(
    'SELECT COUNT(*) AS n FROM group_session s WHERE s."group" = {} AND s.status <> {} '
    "AND s.roll_taken_at IS NULL AND s.starts_at <= {} AND s.starts_at >= {} "
    "AND s.starts_at < {}"
)
CSV_ROWS = SQL(
    "SELECT f.session, f.starts_at, f.member, m.display_name, f.status, f.participation, "
    "f.purpose_mask, a.note FROM attendance_fact f JOIN member m ON m.id = f.member "
    "LEFT JOIN attendance a ON a.session = f.session AND a.member = f.member "
    'WHERE f."group" = {} ORDER BY f.starts_at, f.session, m.display_name, f.member'
)


async def periods(db: Connection, group_id: int) -> list[dict[str, Any]]:
    """Every membership period of the group that can count, with the member's name."""
    return await db.fetch(PERIODS, group_id, *COUNTING_MEMBERSHIPS)


async def awaiting_count(
    db: Connection, group_id: int, moment: datetime, lo: datetime, hi: datetime
) -> int:
    return int(await db.fetch_value(AWAITING, group_id, CANCELLED, moment, lo, hi))


async def csv_rows(db: Connection, group_id: int) -> list[dict[str, Any]]:
    return await db.fetch(CSV_ROWS, group_id)


MONTH_SESSIONS = SQL(
    "SELECT s.id AS session_id, s.starts_at, s.status, s.roll_taken_at, "
    "COALESCE(s.topic, '') AS topic, cs.code AS step_code, cs.title AS step_title, "
    "COALESCE(f.present, 0) AS present, COALESCE(f.late, 0) AS late, "
    "COALESCE(f.excused, 0) AS excused, COALESCE(f.absent, 0) AS absent "
    "FROM group_session s LEFT JOIN curriculum_step cs ON cs.id = s.curriculum_step "
    "LEFT JOIN session_figures f ON f.session = s.id "
    'WHERE s."group" = {} AND s.starts_at >= {} AND s.starts_at < {} '
    "ORDER BY s.starts_at, s.id"
)
MONTH_REASONS = SQL(
    "SELECT a.session, a.absence_reason, COUNT(*) AS n FROM attendance a "
    "JOIN group_session s ON s.id = a.session "
    'WHERE s."group" = {} AND s.starts_at >= {} AND s.starts_at < {} AND a.status = {} '
    "GROUP BY a.session, a.absence_reason"
)
MONTH_ATTENDING = SQL(
    "SELECT COUNT(DISTINCT f.member) AS n FROM attendance_fact f "
    'WHERE f."group" = {} AND f.starts_at >= {} AND f.starts_at < {} AND f.status IN ({}, {})'
)
LEADER = SQL(
    "SELECT m.id, m.display_name FROM work_group g JOIN member m ON m.id = g.leader WHERE g.id = {}"
)
FACILITATOR_NAMES = SQL(
    "SELECT u.id, u.display_name FROM group_facilitator gf "
    'JOIN app_user u ON u.id = gf."user" WHERE gf."group" = {} ORDER BY u.display_name, u.id'
)


async def month_sessions(
    db: Connection, group_id: int, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The sessions starting in [start, end), with the kept counts of the held ones."""
    return await db.fetch(MONTH_SESSIONS, group_id, start, end)


async def month_reasons(
    db: Connection, group_id: int, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Excused records by session and reason (``None``: no reason given)."""
    return await db.fetch(MONTH_REASONS, group_id, start, end, AttendanceStatus.EXCUSED.value)


async def month_attending(db: Connection, group_id: int, start: datetime, end: datetime) -> int:
    present, late = AttendanceStatus.PRESENT.value, AttendanceStatus.LATE.value
    return int(await db.fetch_value(MONTH_ATTENDING, group_id, start, end, present, late))


async def leader(db: Connection, group_id: int) -> dict[str, Any] | None:
    return await db.fetch_one(LEADER, group_id)


async def facilitator_names(db: Connection, group_id: int) -> list[dict[str, Any]]:
    return await db.fetch(FACILITATOR_NAMES, group_id)
