"""Pages for roll calls and reports."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Template

from backend.accounts.auth import requires_staff
from backend.attendance import service as attendance
from backend.attendance.schemas import RollInput
from backend.domain.vocabulary import (
    PARTICIPATION_LABELS,
    PARTICIPATION_LEVELS,
    STATUS_LABELS,
    STATUSES,
)
from backend.groups import service as groups
from backend.lib.errors import LingkarError
from backend.lib.types import GroupId, SessionId
from backend.reports import service as reports
from backend.web.render import WEB_EXCEPTION_HANDLERS, error_text, page

STATUS_TITLES = {code: titles[0] for code, titles in STATUS_LABELS.items()}
PARTICIPATION_TITLES = {"": "—", **{code: t[0] for code, t in PARTICIPATION_LABELS.items()}}
_RECORD_FIELD = re.compile(r"^records\[(\d+)\]\.(\w+)$")
_MEMBER_FIELD = re.compile(r"^(?:status|participation|purposes|note)-(\d{1,18})$")


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
    sheet = await attendance.roll_sheet(user, session_id)
    group = await groups.get_group(user, sheet.session.group_id)
    stored = {
        r.member_id: {
            "status": r.status,
            "participation": r.participation or "",
            "purposes": r.purposes,
            "note": r.note or "",
        }
        for r in sheet.roll.records
    }
    return page(
        "attendance/roll.html",
        request,
        status_code=status_code,
        session=sheet.session,
        local_start=sheet.local_start,
        group=group,
        roll=sheet.roll,
        members=sheet.members,
        values=values if values is not None else stored,
        errors=errors or {},
        statuses=STATUSES,
        status_labels=STATUS_TITLES,
        participation_levels=("", *PARTICIPATION_LEVELS),
        participation_labels=PARTICIPATION_TITLES,
        **context,
    )


def roll_from_form(form: Any) -> tuple[dict, dict[int, dict]]:
    """The submitted roll (members without a status are left out) and the values to show."""
    member_ids = sorted({int(m.group(1)) for key in form for m in [_MEMBER_FIELD.match(key)] if m})
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


class AttendancePages(Controller):
    path = "/"
    include_in_schema = False
    guards = [requires_staff]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = {"csrf_cookie": True}

    @get("/sessions/{session_id:int}/roll")
    async def roll_form(self, request: Request, session_id: SessionId) -> Template:
        return await render_roll(request, session_id)

    @post("/sessions/{session_id:int}/roll")
    async def save_roll(self, request: Request, session_id: SessionId) -> Template:
        form = await request.form()
        body, values = roll_from_form(form)
        try:
            roll = await attendance.put_roll(
                request.scope["user"], session_id, msgspec.convert(body, RollInput, strict=False)
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
            if exc.status_code == 404:
                raise
            detail = error_text(request, exc)
            return await render_roll(
                request,
                session_id,
                status_code=exc.status_code,
                values=values,
                errors=_member_error(exc.field, body, detail),
                flash_error=f"Nothing was saved. {detail}",
            )
        counts = {s: sum(1 for r in roll.records if r.status == s) for s in STATUSES}
        unrecorded = len(values) - len(roll.records)
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        if unrecorded > 0:
            summary += f"{', ' if summary else ''}{unrecorded} not marked (counted absent)"
        return await render_roll(
            request, session_id, flash_ok=f"Roll saved: {summary or 'nobody marked'}."
        )

    @get("/groups/{group_id:int}/report")
    async def report_page(self, request: Request, group_id: GroupId) -> Template:
        user = request.scope["user"]
        group = await groups.get_group(user, group_id)
        report = await reports.group_report(user, group_id)
        return page(
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
