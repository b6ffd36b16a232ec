"""What each page shows: the dashboard, a group's sections, a member's own page, the accounts.

Each function gathers one page's data from the services (reads only); the page controllers
render it. Writes are never made here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.accounts import service as accounts
from backend.accounts.schemas import CurrentUser
from backend.attendance import service as attendance
from backend.domain.feedback import FEEDBACK_DAYS
from backend.domain.vocabulary import ATTENDED_STATUSES, AttendanceStatus, Role
from backend.followup import service as followup
from backend.groups import service as groups
from backend.groups.schemas import place_timezones
from backend.guides.service import guide_index
from backend.lib.i18n import N_, zone_abbreviation
from backend.lib.moments import today_in
from backend.reminders import service as reminders
from backend.reports import service as reports
from backend.scheduling import service as scheduling

UPCOMING_SHOWN = 10
UPCOMING_LIMIT = 200
PAST_LIMIT = 10
REPEATS = {
    "none": N_("Does not repeat"),
    "weekly": N_("Every week"),
    "fortnightly": N_("Every two weeks"),
    "monthly": N_("Every month (same weekday)"),
}
# Indonesia's three zones come first in every time-zone chooser.
INDONESIAN_ZONES = (
    ("Asia/Jakarta", N_("WIB — Western Indonesia (Jakarta, Sumatra, Java, West Kalimantan)")),
    ("Asia/Makassar", N_("WITA — Central Indonesia (Bali, Nusa Tenggara, Sulawesi)")),
    ("Asia/Jayapura", N_("WIT — Eastern Indonesia (Maluku, Papua)")),
)
SECTIONS = (
    ("schedule", N_("Schedule")),
    ("rolls", N_("Roll calls")),
    ("members", N_("Members")),
    ("report", N_("Report")),
)


def guide_choices(language: str) -> list[tuple[str, str]]:
    entries = [e for e in guide_index() if e.lang == language] or [
        e for e in guide_index() if e.lang == "en"
    ]
    return [(e.slug, e.title) for e in entries]


def timezone_choices() -> dict[str, Any]:
    """Indonesia's WIB, WITA and WIT first, then every IANA zone a group can be in."""
    first = {zone for zone, _ in INDONESIAN_ZONES}
    return {
        "indonesian": INDONESIAN_ZONES,
        "others": sorted(place_timezones() - first),
    }


async def dashboard(user: CurrentUser, language: str) -> dict[str, Any]:
    listing = await groups.list_groups(user)
    upcoming = await scheduling.list_sessions(user, None, datetime.now(UTC), None, 8, 0)
    zones = {g.timezone for g in listing.items}
    return {
        "groups": listing.items,
        "schedule_next": upcoming.items,
        "awaiting_rolls": await attendance.awaiting_roll_calls(user),
        "follow_up": (await followup.follow_up_list(user, language)).items,
        "reminders_enabled": await reminders.reminders_on(user),
        # Times carry their zone (WIB, WITA...) when the reader's groups are in several.
        "show_zone": len(zones) > 1,
    }


async def group_header(user: CurrentUser, group_id: int, section: str) -> dict[str, Any]:
    group = await groups.get_group(user, group_id)
    return {
        "group": group,
        "timezone": group.timezone,
        "zone_name": zone_abbreviation(datetime.now(UTC).astimezone(ZoneInfo(group.timezone))),
        "section": section,
        "sections": SECTIONS,
        "today": today_in(group.timezone),
    }


async def group_schedule(user: CurrentUser, group_id: int, language: str) -> dict[str, Any]:
    moment = datetime.now(UTC)
    upcoming = await scheduling.list_sessions(user, group_id, moment, None, UPCOMING_LIMIT, 0)
    past = await scheduling.list_sessions(
        user, group_id, None, moment, PAST_LIMIT, 0, newest_first=True
    )
    guides = guide_choices(language)
    return {
        "schedule_upcoming": upcoming.items,
        "schedule_upcoming_total": upcoming.total,
        "schedule_shown": UPCOMING_SHOWN,
        "schedule_past": past.items,
        "schedule_past_total": past.total,
        "schedule_guides": guides,
        "guide_titles": dict(guides),
        "schedule_repeats": REPEATS,
    }


async def group_rolls(user: CurrentUser, group_id: int) -> dict[str, Any]:
    await groups.get_group(user, group_id)
    return {"recent_sessions": await attendance.recent_sessions(group_id, limit=12)}


async def group_members(user: CurrentUser, group_id: int) -> dict[str, Any]:
    roster = await groups.roster(user, group_id)
    enrolled = {m.member_id for m in roster.active + roster.waitlist}
    candidates = [
        m for m in (await groups.list_members(user, None, 500, 0)).items if m.id not in enrolled
    ]
    data: dict[str, Any] = {"roster": roster, "candidates": candidates}
    if user.is_admin:
        staff = [
            u
            for u in (await accounts.list_users(limit=500)).items
            if u.role in (Role.ADMIN, Role.FACILITATOR) and u.is_active
        ]
        data["staff"] = staff
        data["staff_names"] = {u.id: u.display_name for u in staff}
    return data


async def group_report(user: CurrentUser, group_id: int, language: str = "en") -> dict[str, Any]:
    report = await reports.group_report(user, group_id, language=language)
    return {"report": report, "trend": trend_chart(report), "coverage": coverage_chart(report)}


async def my_page(user: CurrentUser) -> dict[str, Any]:
    if user.member_id is None:
        return {}
    upcoming = await scheduling.member_sessions(
        user.member_id, datetime.now(UTC), None, UPCOMING_LIMIT, 0
    )
    mine = await attendance.member_attendance(user.member_id)
    labels = await attendance.group_labels(sorted({r.group_id for r in mine.records}))
    zones = {label["timezone"] for label in labels.values()} | {s.timezone for s in upcoming.items}
    moment = datetime.now(UTC)
    return {
        "reminders_enabled": await reminders.reminders_on(user),
        # Sessions the member was at, still open for their feedback.
        "my_feedback_open": [
            r
            for r in mine.records
            if r.status in ATTENDED_STATUSES
            and moment - timedelta(days=FEEDBACK_DAYS) <= r.starts_at <= moment
        ],
        "my_upcoming_sessions": upcoming.items,
        # Absences said ahead, by session (records of sessions not held yet are excused ahead).
        "my_absences": {
            r.session_id: r for r in mine.records if r.status == AttendanceStatus.EXCUSED
        },
        "my_attendance": mine,
        "my_groups": labels,
        "show_zone": len(zones) > 1,
    }


async def accounts_page() -> dict[str, Any]:
    return {
        "users": (await accounts.list_users(limit=500)).items,
        "members_without_login": await accounts.members_without_login(),
    }


def trend_chart(report: Any) -> dict[str, Any]:
    """Points of the attendance-trend line: one per held session, rate 0-100 %."""
    width, height, left, right, top, bottom = 340, 200, 44, 12, 12, 40
    sessions = [s for s in report.sessions if s.attendance_rate is not None]
    count = len(sessions)
    step = (width - left - right) / max(count - 1, 1)
    points = []
    for index, s in enumerate(sessions):
        x = left + (index * step if count > 1 else (width - left - right) / 2)
        y = top + (1 - s.attendance_rate) * (height - top - bottom)
        points.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "starts_at": s.starts_at,
                "rate": s.attendance_rate,
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "gridlines": [
            {"y": round(top + (1 - v) * (height - top - bottom), 1), "share": v}
            for v in (0.0, 0.5, 1.0)
        ],
    }


def coverage_chart(report: Any) -> list[dict[str, Any]]:
    bars = []
    for item in report.purpose_coverage:
        share = item.share or 0.0
        bars.append(
            {
                "purpose": item.purpose,
                "served": item.sessions_served,
                "share": share,
                "width": round(share * 100, 1),
            }
        )
    return bars
