"""Every statement of reports: who belongs in a report, sessions awaiting a roll, CSV rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.db import SQL, Connection
from backend.domain.vocabulary import COUNTING_MEMBERSHIPS, SessionStatus

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
