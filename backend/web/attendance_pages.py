"""Pages for roll calls, attendance history and reports.

``pages.py`` merges the context these functions return into the dashboard, the group page
and the member's page, and mounts ``CONTROLLERS``.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Template

from backend.accounts.auth import requires_staff
from backend.accounts.schemas import CurrentUser
from backend.attendance import service as attendance
from backend.attendance.schemas import RollInput
from backend.domain.vocabulary import PARTICIPATION_LEVELS, STATUSES
from backend.groups import service as groups
from backend.lib.errors import LingkarError
from backend.reports import service as reports

STATUS_LABELS = {"present": "Present", "late": "Late", "excused": "Excused", "absent": "Absent"}
PARTICIPATION_LABELS = {
    "": "—",
    "observed": "Observed",
    "contributed": "Contributed",
    "led": "Led",
}
_RECORD_FIELD = re.compile(r"^records\[(\d+)\]\.(\w+)$")


async def dashboard_context(user: CurrentUser) -> dict[str, Any]:
    if not user.is_staff:
        return {}
    return {"awaiting_rolls": await attendance.awaiting_roll_calls(user)}


async def group_context(user: CurrentUser, group_id: int) -> dict[str, Any]:
    return {"recent_sessions": await attendance.recent_sessions(group_id)}


async def my_context(user: CurrentUser) -> dict[str, Any]:
    if user.member_id is None:
        return {}
    mine = await attendance.member_attendance(user.member_id)
    names = await attendance.group_names(sorted({r.group_id for r in mine.records}))
    return {"my_attendance": mine, "my_group_names": names}


def _page(name: str, request: Request, status_code: int = 200, **context: Any) -> Template:
    from backend.web.pages import page

    return page(name, request, status_code=status_code, **context)


async def render_roll(
    request: Request,
    session_id: int,
    *,
    status_code: int = 200,
    values: dict[int, dict[str, Any]] | None = None,
    errors: dict[int, str] | None = None,
    **context: Any,
) -> Template:
    user = request.scope["user"]
    session = await attendance.session_for_staff(user, session_id)
    group = await groups.get_group(user, session["group_id"])
    roll = await attendance.get_roll(user, session_id)
    members = await attendance.eligible_members(session)
    stored = {
        r.member_id: {
            "status": r.status,
            "participation": r.participation or "",
            "purposes": r.purposes,
            "note": r.note or "",
        }
        for r in roll.records
    }
    known = {m["member_id"] for m in members}
    members += [
        {"member_id": r.member_id, "display_name": r.display_name}
        for r in roll.records
        if r.member_id not in known
    ]
    return _page(
        "attendance/roll.html",
        request,
        status_code=status_code,
        session=session,
        local_start=session["starts_at"].astimezone(ZoneInfo(session["timezone"])),
        group=group,
        roll=roll,
        members=members,
        values=values if values is not None else stored,
        errors=errors or {},
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        participation_levels=("", *PARTICIPATION_LEVELS),
        participation_labels=PARTICIPATION_LABELS,
        **context,
    )


def _roll_from_form(form: Any, member_ids: list[int]) -> tuple[dict, dict[int, dict]]:
    """The submitted roll (members without a status are left out) and the values to show."""
    records = []
    values: dict[int, dict[str, Any]] = {}
    for member_id in member_ids:
        status = str(form.get(f"status-{member_id}", "")).strip()
        participation = str(form.get(f"participation-{member_id}", "")).strip()
        purposes = [str(p) for p in form.getall(f"purposes-{member_id}", [])]
        note = str(form.get(f"note-{member_id}", "")).strip()
        values[member_id] = {
            "status": status,
            "participation": participation,
            "purposes": purposes,
            "note": note,
        }
        if not status:
            continue
        record: dict[str, Any] = {"member_id": member_id, "status": status}
        if participation:
            record["participation"] = participation
        if purposes:
            record["purposes"] = purposes
        if note:
            record["note"] = note
        records.append(record)
    return {"records": records}, values


def _member_error(field: str | None, body: dict, message: str) -> dict[int, str]:
    match = _RECORD_FIELD.match(field or "")
    if not match:
        return {}
    index = int(match.group(1))
    if index >= len(body["records"]):
        return {}
    return {body["records"][index]["member_id"]: f"{match.group(2)}: {message}"}


def _to_login(request: Request, exc: Exception) -> Response:
    from backend.web.pages import to_login

    return to_login(request, exc)


def _forbidden(request: Request, exc: PermissionDeniedException) -> Response:
    from backend.web.pages import forbidden_page

    return forbidden_page(request, exc)


def _error(request: Request, exc: LingkarError) -> Response:
    from backend.web.pages import error_page

    return error_page(request, exc)


class AttendancePages(Controller):
    path = "/"
    include_in_schema = False
    guards = [requires_staff]
    exception_handlers = {
        NotAuthorizedException: _to_login,
        PermissionDeniedException: _forbidden,
        LingkarError: _error,
    }

    @get("/sessions/{session_id:int}/roll")
    async def roll_form(self, request: Request, session_id: FromPath[int]) -> Template:
        return await render_roll(request, session_id)

    @post("/sessions/{session_id:int}/roll")
    async def save_roll(self, request: Request, session_id: FromPath[int]) -> Template:
        user = request.scope["user"]
        session = await attendance.session_for_staff(user, session_id)
        form = await request.form()
        member_ids = [m["member_id"] for m in await attendance.eligible_members(session)]
        member_ids += [
            r.member_id
            for r in (await attendance.get_roll(user, session_id)).records
            if r.member_id not in member_ids
        ]
        body, values = _roll_from_form(form, member_ids)
        try:
            roll = await attendance.put_roll(
                user, session_id, msgspec.convert(body, RollInput, strict=False)
            )
        except msgspec.ValidationError as exc:
            text, _, where = str(exc).partition(" - at `$.")
            field = where.rstrip("`") or None
            return await render_roll(
                request,
                session_id,
                status_code=422,
                values=values,
                errors=_member_error(field, body, text),
                flash_error=f"Nothing was saved. {text}",
            )
        except LingkarError as exc:
            return await render_roll(
                request,
                session_id,
                status_code=exc.status_code,
                values=values,
                errors=_member_error(exc.field, body, exc.detail),
                flash_error=f"Nothing was saved. {exc.detail}",
            )
        counts = {s: sum(1 for r in roll.records if r.status == s) for s in STATUSES}
        unrecorded = len(member_ids) - len(roll.records)
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        if unrecorded:
            summary += f"{', ' if summary else ''}{unrecorded} not marked (counted absent)"
        return await render_roll(
            request, session_id, flash_ok=f"Roll saved: {summary or 'nobody marked'}."
        )

    @get("/groups/{group_id:int}/report")
    async def report_page(self, request: Request, group_id: FromPath[int]) -> Template:
        user = request.scope["user"]
        group = await groups.get_group(user, group_id)
        report = await reports.group_report(user, group_id)
        return _page(
            "attendance/report.html",
            request,
            group=group,
            report=report,
            trend=trend_chart(report),
            coverage=coverage_chart(report),
        )


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
                "label": s.starts_at.strftime("%d %b"),
                "percent": round(s.attendance_rate * 100),
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
            {"y": round(top + (1 - v / 100) * (height - top - bottom), 1), "label": f"{v}%"}
            for v in (0, 50, 100)
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
                "percent": round(share * 100),
                "width": round(share * 100, 1),
            }
        )
    return bars


CONTROLLERS: tuple = (AttendancePages,)
