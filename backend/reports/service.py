"""The group report and the CSV export, read from the kept figures.

Figures follow the definitions in :mod:`backend.figures.service`: held sessions only, members
inside their membership periods, no record = absent. Ordering is fixed (members by name then
id, sessions by start then id, purposes in the vocabulary's order) so the JSON is identical on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from backend import access
from backend.accounts.schemas import CurrentUser
from backend.db import database
from backend.domain.feedback import FEEDBACK_ITEM_CODES
from backend.domain.vocabulary import (
    PURPOSES,
    PURPOSES_BY_CODE,
    STATUS_LABELS,
    AbsenceReason,
    SessionStatus,
    in_language,
)
from backend.feedback import service as feedback
from backend.feedback.schemas import FeedbackFigures
from backend.figures import service as figures
from backend.followup import service as followup
from backend.lib.errors import BadRequest, Invalid
from backend.lib.i18n import N_
from backend.lib.moments import (
    MAX_YEAR,
    MIN_YEAR,
    as_date,
    as_utc,
    bounded_date,
    local_midnight_utc,
    now,
)
from backend.lib.purposes import bit, from_mask
from backend.reports import queries
from backend.reports.schemas import (
    FollowUp,
    GroupReport,
    MemberFigures,
    MonthReport,
    MonthSession,
    Person,
    PurposeCoverage,
    PurposeMember,
    SessionFigures,
    StatusCounts,
)

_EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
_LATEST = datetime(2300, 1, 1, tzinfo=UTC)


def rate(attended: int, held: int) -> float | None:
    """(present + late) / held rounded to 4 decimals; ``None`` when nothing was held."""
    return round(attended / held, 4) if held else None


def _overlaps(joined: date, left: date | None, start: date | None, end: date | None) -> bool:
    return (end is None or joined <= end) and (start is None or left is None or left >= start)


async def group_report(
    user: CurrentUser,
    group_id: int,
    start: date | None = None,
    end: date | None = None,
    language: str = "en",
) -> GroupReport:
    if start is not None:
        bounded_date(start, "from")
    if end is not None:
        bounded_date(end, "to")
    if start is not None and end is not None and end < start:
        raise Invalid(
            N_("The end date must not be before the start date."), field="to", code="to_before_from"
        )
    async with database().read() as db:
        group = await access.group(db, user, group_id)
        lo = None if start is None else local_midnight_utc(start, group.timezone)
        hi = None if end is None else local_midnight_utc(end + timedelta(days=1), group.timezone)
        session_rows = await figures.session_figures(db, group_id, lo, hi)
        kept = await figures.member_figures(db, group_id, lo, hi)
        periods = await queries.periods(db, group_id)
        awaiting = await queries.awaiting_count(db, group_id, now(), lo or _EARLIEST, hi or _LATEST)
        # The drifting rule sets excused sessions aside: read them only for members it could
        # name (see backend.followup.service.reasons).
        excused = {
            m: await followup.recent_excused(db, group_id, m, f.recent_held, lo, hi)
            for m, f in kept.items()
            if followup.may_drift(f.absence_streak, f.recent_held, f.recent_attended)
        }
        feedback_figures = await feedback.group_feedback_in(db, group, lo, hi, language)
    names = {p["member"]: p["display_name"] for p in periods}
    people = {
        p["member"]
        for p in periods
        if _overlaps(
            as_date(p["joined_on"]),
            None if p["left_on"] is None else as_date(p["left_on"]),
            start,
            end,
        )
    } | {m for m, f in kept.items() if f.held}
    ordered = sorted(people, key=lambda m: (names.get(m, ""), m))
    members = []
    follow_up = []
    for member_id in ordered:
        f = kept.get(member_id, figures.Figures())
        members.append(
            MemberFigures(
                member_id=member_id,
                display_name=names.get(member_id, ""),
                held=f.held,
                present=f.present,
                late=f.late,
                excused=f.excused,
                absent=f.absent,
                attendance_rate=rate(f.present + f.late, f.held),
                absence_streak=f.absence_streak,
            )
        )
        reasons = followup.reasons(
            f.absence_streak, f.recent_held, f.recent_attended, excused.get(member_id, 0)
        )
        if reasons:
            follow_up.append(
                FollowUp(
                    member_id=member_id,
                    display_name=names.get(member_id, ""),
                    reasons=reasons,
                    absence_streak=f.absence_streak,
                    recent_held=f.recent_held,
                    recent_attended=f.recent_attended,
                    recent_excused=excused.get(member_id, 0),
                )
            )
    held = len(session_rows)
    declared = [p for p in PURPOSES if group.purpose_mask & bit(p.code)]
    coverage = []
    for purpose in declared:
        served = sum(1 for s in session_rows if s.served_mask & bit(purpose.code))
        coverage.append(
            PurposeCoverage(
                purpose=purpose.code,
                sessions_served=served,
                share=rate(served, held),
                members=[
                    PurposeMember(member_id=m, sessions=kept[m].served[purpose.number - 1])
                    for m in ordered
                    if m in kept and kept[m].served[purpose.number - 1]
                ],
            )
        )
    return GroupReport(
        group_id=group_id,
        from_=start,
        to=end,
        held_sessions=held,
        awaiting_roll_call=awaiting,
        members=members,
        sessions=[
            SessionFigures(
                session_id=s.session_id,
                starts_at=s.starts_at,
                present=s.present,
                late=s.late,
                excused=s.excused,
                absent=s.absent,
                attendance_rate=rate(s.present + s.late, s.counted),
            )
            for s in session_rows
        ],
        purpose_coverage=coverage,
        follow_up=follow_up,
        feedback=feedback_figures,
    )


# ---------------------------------------------------------------------------- CSV

CSV_HEADER = [
    "session_id",
    "session_start",
    "session_date_local",
    "session_time_local",
    "member_id",
    "member_name",
    "status",
    "status_title",
    "participation",
    "purposes",
    "purpose_titles",
    # Members' feedback on the session, in aggregate: the number of answers, and each item's
    # mean from 3 answers up (empty below).
    "feedback_answers",
    *(f"feedback_mean_{code}" for code in FEEDBACK_ITEM_CODES),
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


async def csv_rows(
    user: CurrentUser, group_id: int, *, notes: bool, language: str = "en"
) -> list[list[str]]:
    """One row per counting member x held session (no record = absent), by start then name.
    Codes stay as they are (for tools); the UTC start is kept, and the local date and time
    (in the group's zone), the status, participation and purpose titles (in ``language``)
    follow for people."""
    async with database().read() as db:
        group = await access.group(db, user, group_id)
        rows = await queries.csv_rows(db, group_id)
        found = await feedback.group_feedback_in(db, group, None, None, language)
    by_session = {s.session_id: s.figures for s in found.sessions}
    zone = ZoneInfo(group.timezone)
    header = CSV_HEADER + (["note"] if notes else [])
    out = [header]
    for r in rows:
        start = as_utc(r["starts_at"])
        local = start.astimezone(zone)
        purposes = from_mask(r["purpose_mask"])
        line = [
            str(r["session"]),
            start.isoformat().replace("+00:00", "Z"),
            local.date().isoformat(),
            local.strftime("%H:%M"),
            str(r["member"]),
            safe_cell(r["display_name"]),
            r["status"],
            in_language(STATUS_LABELS[r["status"]], language),
            r["participation"] or "",
            ";".join(purposes),
            "; ".join(PURPOSES_BY_CODE[p].title_in(language) for p in purposes),
            *_feedback_cells(by_session.get(r["session"])),
        ]
        if notes:
            line.append(safe_cell(r["note"] or ""))
        out.append(line)
    return out


def _feedback_cells(found: FeedbackFigures | None) -> list[str]:
    if found is None:
        return ["0", *("" for _ in FEEDBACK_ITEM_CODES)]
    means = {i.code: f"{i.mean:.2f}" for i in found.items} if found.shown else {}
    return [str(found.answers), *(means.get(code, "") for code in FEEDBACK_ITEM_CODES)]


async def csv_document(
    user: CurrentUser, group_id: int, *, notes: bool, language: str = "en"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(await csv_rows(user, group_id, notes=notes, language=language))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------- the monthly report

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)
UNSPECIFIED = "unspecified"


def parse_month(text: str) -> date:
    """The first day of ``YYYY-MM``: 400 naming ``month`` when it is not one, 422 when its
    year is outside the years Lingkar holds."""
    if _MONTH.match(text) is None:
        raise BadRequest(
            N_("month must be a month as YYYY-MM, such as 2026-11."),
            field="month",
            code="month_invalid",
        )
    year, month = int(text[:4]), int(text[5:])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(
            N_("month must be between {min} and {max}."),
            params={"min": MIN_YEAR, "max": MAX_YEAR},
            field="month",
            code="month_out_of_range",
        )
    return date(year, month, 1)


def _counts(row: dict | None = None) -> StatusCounts:
    return StatusCounts(
        present=0 if row is None else row["present"],
        late=0 if row is None else row["late"],
        excused=0 if row is None else row["excused"],
        absent=0 if row is None else row["absent"],
        reasons={**{r.value: 0 for r in AbsenceReason}, UNSPECIFIED: 0},
    )


async def month_report(user: CurrentUser, group_id: int, month: str) -> MonthReport:
    """The group's sessions of one month in its time zone, with the counts of held sessions
    (from the kept figures), excused absences by reason, the leader and the facilitators."""
    first = parse_month(month)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    async with database().read() as db:
        group = await access.group(db, user, group_id)
        start = local_midnight_utc(first, group.timezone)
        end = local_midnight_utc(following, group.timezone)
        rows = await queries.month_sessions(db, group_id, start, end)
        reasons = await queries.month_reasons(db, group_id, start, end)
        attending = await queries.month_attending(db, group_id, start, end)
        leader = await queries.leader(db, group_id)
        facilitators = await queries.facilitator_names(db, group_id)
    zone = ZoneInfo(group.timezone)
    totals = _counts()
    sessions: list[MonthSession] = []
    # Excused absences by reason count only for held sessions, as the status counts do.
    held_counts: dict[int, StatusCounts] = {}
    for row in rows:
        held = row["roll_taken_at"] is not None and row["status"] != SessionStatus.CANCELLED
        counts = _counts(row if held else None)
        if held:
            held_counts[row["session_id"]] = counts
        sessions.append(
            MonthSession(
                session_id=row["session_id"],
                starts_at=as_utc(row["starts_at"]).astimezone(zone),
                status=row["status"],
                held=held,
                topic=row["topic"],
                curriculum_step=row["step_code"],
                step_title=row["step_title"],
                counts=counts,
            )
        )
    for row in reasons:
        counts = held_counts.get(row["session"])
        if counts is not None:
            key = row["absence_reason"] or UNSPECIFIED
            counts.reasons[key] = counts.reasons.get(key, 0) + int(row["n"])
    held_sessions = [s for s in sessions if s.held]
    for s in held_sessions:
        totals.present += s.counts.present
        totals.late += s.counts.late
        totals.excused += s.counts.excused
        totals.absent += s.counts.absent
        for key, n in s.counts.reasons.items():
            totals.reasons[key] = totals.reasons.get(key, 0) + n
    return MonthReport(
        group_id=group_id,
        group_name=group.name,
        month=f"{first.year:04d}-{first.month:02d}",
        timezone=group.timezone,
        leader=None if leader is None else Person(**leader),
        facilitators=[Person(**f) for f in facilitators],
        curriculum_id=group.curriculum_id,
        sessions=sessions,
        sessions_planned=sum(1 for s in sessions if s.status != SessionStatus.CANCELLED),
        sessions_held=len(held_sessions),
        totals=totals,
        members_attending=attending,
        steps_taught=[s.curriculum_step for s in held_sessions if s.curriculum_step],
    )
