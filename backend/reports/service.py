"""The group report and the CSV export, computed with SQL aggregation.

Figures follow the definitions in :mod:`backend.attendance.facts`: held sessions only, members
inside their membership periods, no record = absent. Ordering is fixed (members by name then
id, sessions by start then id, purposes in the vocabulary's order) so the JSON is identical on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.accounts.schemas import CurrentUser
from backend.attendance.facts import (
    MEMBER_FIGURES,
    PERIODS_SELECT,
    as_utc,
    facts_ctes,
    local_midnight_utc,
    period_bounds,
    rate,
    ts,
)
from backend.db.engine import read_transaction
from backend.db.schema import current_engine
from backend.domain.vocabulary import PURPOSES
from backend.groups.service import require_group
from backend.groups.tables import Group, Membership
from backend.lib.errors import Invalid
from backend.lib.purposes import bit, from_mask
from backend.reports.schemas import (
    FollowUp,
    GroupReport,
    MemberFigures,
    PurposeCoverage,
    PurposeMember,
    SessionFigures,
)

STREAK_FOR_FOLLOW_UP = 2
RECENT_SESSIONS = 4
LOW_RATE = 0.5

_STATUS_COUNTS = (
    "SUM(CASE WHEN f.status = 'present' THEN 1 ELSE 0 END) AS present, "
    "SUM(CASE WHEN f.status = 'late' THEN 1 ELSE 0 END) AS late, "
    "SUM(CASE WHEN f.status = 'excused' THEN 1 ELSE 0 END) AS excused, "
    "SUM(CASE WHEN f.status = 'absent' THEN 1 ELSE 0 END) AS absent"
)


async def _group_scope(
    group_id: int, start: date | None, end: date | None
) -> tuple[dict[str, Any], str, list[Any], datetime | None, datetime | None]:
    group = (
        await Group.select(Group.id, Group.timezone, Group.purpose_mask)
        .where(Group.id == group_id)
        .first()
    )
    if start is not None and end is not None and end < start:
        raise Invalid("to must not be before from.", field="to")
    lo = None if start is None else local_midnight_utc(start, group["timezone"])
    hi = None if end is None else local_midnight_utc(end + timedelta(days=1), group["timezone"])
    periods = period_bounds(await Membership.raw(PERIODS_SELECT + ' AND ms."group" = {}', group_id))
    ctes, args = facts_ctes(current_engine(), periods, starts_from=lo, starts_before=hi)
    return group, ctes, args, lo, hi


def _n(value: Any) -> int:
    return int(value or 0)


async def group_report(
    user: CurrentUser, group_id: int, start: date | None = None, end: date | None = None
) -> GroupReport:
    await require_group(user, group_id)
    async with read_transaction(current_engine()):
        group, ctes, args, lo, hi = await _group_scope(group_id, start, end)
        session_rows = await Group.raw(
            ctes  # noqa: S608
            + " SELECT h.id AS session_id, h.starts_at, COUNT(f.member) AS counted, "
            + _STATUS_COUNTS
            + " FROM held h LEFT JOIN facts f ON f.session = h.id "
            "GROUP BY h.id, h.starts_at ORDER BY h.starts_at, h.id",
            *args,
        )
        # Members with a membership period overlapping the range, with or without figures.
        member_rows = await Group.raw(
            ctes + ", counted AS (SELECT f.member, " + MEMBER_FIGURES + " FROM facts f "  # noqa: S608
            "GROUP BY f.member), "
            "people AS (SELECT DISTINCT p.member FROM periods p WHERE 1 = 1"
            + ("" if hi is None else " AND p.start_utc < " + ts_mark())
            + ("" if lo is None else " AND (p.end_utc IS NULL OR p.end_utc > " + ts_mark() + ")")
            + " UNION SELECT member FROM counted) "
            "SELECT m.id AS member_id, m.display_name, c.held, c.present, c.late, c.excused, "
            "c.absent, c.streak, c.recent_held, c.recent_attended "
            "FROM people pe JOIN member m ON m.id = pe.member "
            "LEFT JOIN counted c ON c.member = pe.member ORDER BY m.display_name, m.id",
            *args,
            *([] if hi is None else [hi]),
            *([] if lo is None else [lo]),
        )
        declared = [p.code for p in PURPOSES if group["purpose_mask"] & bit(p.code)]
        bits_sql = " UNION ALL ".join("SELECT CAST({} AS INTEGER) AS b" for _ in declared)
        coverage_rows: list[dict[str, Any]] = []
        member_coverage: list[dict[str, Any]] = []
        if declared:
            bit_args = [bit(code) for code in declared]
            coverage_rows = await Group.raw(
                ctes + ", bits AS (" + bits_sql + ") "  # noqa: S608
                "SELECT bits.b, COUNT(DISTINCT f.session) AS served FROM bits "
                "LEFT JOIN facts f ON (f.purpose_mask & bits.b) <> 0 "
                "AND f.status IN ('present', 'late') GROUP BY bits.b ORDER BY bits.b",
                *args,
                *bit_args,
            )
            member_coverage = await Group.raw(
                ctes + ", bits AS (" + bits_sql + ") "  # noqa: S608
                "SELECT bits.b, f.member, m.display_name, COUNT(*) AS sessions FROM bits "
                "JOIN facts f ON (f.purpose_mask & bits.b) <> 0 "
                "AND f.status IN ('present', 'late') JOIN member m ON m.id = f.member "
                "GROUP BY bits.b, f.member, m.display_name "
                "ORDER BY bits.b, m.display_name, f.member",
                *args,
                *bit_args,
            )
        awaiting = await awaiting_roll_call_count(group_id, lo, hi)
    held = len(session_rows)
    sessions = [
        SessionFigures(
            session_id=r["session_id"],
            starts_at=as_utc(r["starts_at"]),
            present=_n(r["present"]),
            late=_n(r["late"]),
            excused=_n(r["excused"]),
            absent=_n(r["absent"]),
            attendance_rate=rate(_n(r["present"]) + _n(r["late"]), _n(r["counted"])),
        )
        for r in session_rows
    ]
    members = []
    follow_up = []
    for r in member_rows:
        figures = MemberFigures(
            member_id=r["member_id"],
            display_name=r["display_name"],
            held=_n(r["held"]),
            present=_n(r["present"]),
            late=_n(r["late"]),
            excused=_n(r["excused"]),
            absent=_n(r["absent"]),
            attendance_rate=rate(_n(r["present"]) + _n(r["late"]), _n(r["held"])),
            absence_streak=_n(r["streak"]),
        )
        members.append(figures)
        reasons = []
        if figures.absence_streak >= STREAK_FOR_FOLLOW_UP:
            reasons.append("absence-streak")
        recent_held, recent_attended = _n(r["recent_held"]), _n(r["recent_attended"])
        if recent_held and recent_attended < LOW_RATE * recent_held:
            reasons.append("low-recent-rate")
        if reasons:
            follow_up.append(
                FollowUp(
                    member_id=figures.member_id,
                    display_name=figures.display_name,
                    reasons=reasons,
                    absence_streak=figures.absence_streak,
                    recent_held=recent_held,
                    recent_attended=recent_attended,
                )
            )
    served = {r["b"]: _n(r["served"]) for r in coverage_rows}
    by_bit: dict[int, list[PurposeMember]] = {}
    for r in member_coverage:
        by_bit.setdefault(r["b"], []).append(
            PurposeMember(member_id=r["member"], sessions=_n(r["sessions"]))
        )
    coverage = [
        PurposeCoverage(
            purpose=code,
            sessions_served=served.get(bit(code), 0),
            share=rate(served.get(bit(code), 0), held),
            members=by_bit.get(bit(code), []),
        )
        for code in declared
    ]
    return GroupReport(
        group_id=group_id,
        from_=start,
        to=end,
        held_sessions=held,
        awaiting_roll_call=awaiting,
        members=members,
        sessions=sessions,
        purpose_coverage=coverage,
        follow_up=follow_up,
    )


def ts_mark() -> str:
    return ts(current_engine())


async def awaiting_roll_call_count(
    group_id: int, lo: datetime | None = None, hi: datetime | None = None
) -> int:
    t = ts_mark()
    sql = (
        'SELECT COUNT(*) AS n FROM group_session s WHERE s."group" = {} '  # noqa: S608
        "AND s.status <> 'cancelled' AND s.roll_taken_at IS NULL AND s.starts_at <= " + t
    )
    args: list[Any] = [group_id, datetime.now(UTC)]
    if lo is not None:
        sql += " AND s.starts_at >= " + t
        args.append(lo)
    if hi is not None:
        sql += " AND s.starts_at < " + t
        args.append(hi)
    rows = await Group.raw(sql, *args)
    return _n(rows[0]["n"])


# ---------------------------------------------------------------------------- CSV

CSV_HEADER = [
    "session_id",
    "session_start",
    "member_id",
    "member_name",
    "status",
    "participation",
    "purposes",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


async def csv_rows(user: CurrentUser, group_id: int, *, notes: bool) -> list[list[str]]:
    """One row per counting member x held session (no record = absent), by start then name."""
    await require_group(user, group_id)
    async with read_transaction(current_engine()):
        _, ctes, args, _, _ = await _group_scope(group_id, None, None)
        rows = await Group.raw(
            ctes + " SELECT f.session, f.starts_at, f.member, m.display_name, f.status, "  # noqa: S608
            "f.participation, f.purpose_mask, a.note FROM facts f "
            "JOIN member m ON m.id = f.member "
            "LEFT JOIN attendance a ON a.session = f.session AND a.member = f.member "
            "ORDER BY f.starts_at, f.session, m.display_name, f.member",
            *args,
        )
    header = CSV_HEADER + (["note"] if notes else [])
    out = [header]
    for r in rows:
        line = [
            str(r["session"]),
            as_utc(r["starts_at"]).isoformat().replace("+00:00", "Z"),
            str(r["member"]),
            safe_cell(r["display_name"]),
            r["status"],
            r["participation"] or "",
            ";".join(from_mask(r["purpose_mask"])),
        ]
        if notes:
            line.append(safe_cell(r["note"] or ""))
        out.append(line)
    return out


async def csv_document(user: CurrentUser, group_id: int, *, notes: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(await csv_rows(user, group_id, notes=notes))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
