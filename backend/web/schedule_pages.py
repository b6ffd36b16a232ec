"""Pages for the schedule: adding sessions or a series, cancelling, reinstating, moving.

The forms need no JavaScript: a series is a date, a time, a length, a repeat choice and a
number of sessions, turned into an RRULE here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, post

from backend.accounts.auth import requires_staff
from backend.domain.vocabulary import SessionStatus
from backend.lib.errors import LingkarError
from backend.lib.types import GroupId, SessionId
from backend.scheduling import service as scheduling
from backend.scheduling.schemas import SessionCreate, SessionUpdate
from backend.web.group_page import render_group
from backend.web.render import WEB_EXCEPTION_HANDLERS, error_text
from backend.web.views import REPEATS

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _field(form: Any, name: str) -> str:
    return str(form.get(name, "")).strip()


def series_rule(repeat: str, first_day: date, count: int) -> str | None:
    """The RRULE for a repeat choice; monthly keeps the weekday of the month (2nd Tuesday),
    or the last one when the first date is a fifth weekday."""
    if repeat == "weekly":
        return f"FREQ=WEEKLY;COUNT={count}"
    if repeat == "fortnightly":
        return f"FREQ=WEEKLY;INTERVAL=2;COUNT={count}"
    if repeat == "monthly":
        nth = (first_day.day - 1) // 7 + 1
        day = f"{nth if nth < 5 else -1}{WEEKDAYS[first_day.weekday()]}"
        return f"FREQ=MONTHLY;BYDAY={day};COUNT={count}"
    return None


class FormError(ValueError):
    pass


def _local_start(form: Any) -> datetime:
    day, clock = _field(form, "date"), _field(form, "time")
    if not day or not clock:
        raise FormError("date: choose a date and a time")
    try:
        return datetime.fromisoformat(f"{day}T{clock}")
    except ValueError as exc:
        raise FormError("date: not a date and time") from exc


def _session_body(form: Any) -> dict[str, Any]:
    start = _local_start(form)
    repeat = _field(form, "repeat") or "none"
    if repeat not in REPEATS:
        raise FormError("repeat: choose how the session repeats")
    body: dict[str, Any] = {
        "duration_minutes": _field(form, "duration") or "0",
        "location": _field(form, "location"),
        "topic": _field(form, "topic"),
        "guide": _field(form, "guide") or None,
        "on_conflict": "skip" if form.get("skip_clashes") == "1" else "fail",
    }
    if repeat == "none":
        body["starts_at"] = start.isoformat()
        return body
    try:
        count = int(_field(form, "count") or "0")
    except ValueError as exc:
        raise FormError("count: how many sessions, as a number") from exc
    if not 1 <= count <= 200:
        raise FormError("count: between 1 and 200 sessions")
    body["first_starts_at"] = start.isoformat()
    body["rrule"] = series_rule(repeat, start.date(), count)
    return body


def _when(session: Any) -> str:
    return session.starts_at.strftime("%a %d %b %Y, %H:%M")


class SchedulePages(Controller):
    path = "/groups/{group_id:int}/sessions"
    include_in_schema = False
    guards = [requires_staff]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = {"csrf_cookie": True}

    @post("/")
    async def add_sessions(self, request: Request, group_id: GroupId) -> Response:
        user = request.scope["user"]
        form = await request.form()
        values = {k: _field(form, k) for k in ("date", "time", "duration", "repeat", "count")}
        values |= {k: _field(form, k) for k in ("location", "topic", "guide", "skip_clashes")}
        try:
            data = msgspec.convert(_session_body(form), SessionCreate, strict=False)
            created = await scheduling.create_sessions(user, group_id, data)
        except (FormError, msgspec.ValidationError) as exc:
            return await render_group(
                request,
                group_id,
                status_code=422,
                flash_error=error_text(request, exc),
                schedule_form=values,
            )
        except LingkarError as exc:
            clashes = exc.extra.get("clashes", [])
            detail = error_text(request, exc)
            if clashes:
                detail = (
                    f"{len({c['starts_at'] for c in clashes})} of the dates clash with sessions "
                    "already booked; nothing was saved."
                )
            return await render_group(
                request,
                group_id,
                status_code=exc.status_code,
                flash_error=detail,
                schedule_form=values,
                schedule_clashes=clashes,
            )
        count = len(created.sessions)
        message = f"Scheduled {count} session{'s' if count != 1 else ''}."
        if created.skipped:
            message += f" Skipped {len({c.starts_at for c in created.skipped})} that clashed."
        return await render_group(
            request, group_id, flash_ok=message, schedule_skipped=created.skipped
        )

    @post("/{session_id:int}/cancel")
    async def cancel(self, request: Request, group_id: GroupId, session_id: SessionId) -> Response:
        form = await request.form()
        body = {
            "status": SessionStatus.CANCELLED.value,
            "cancel_reason": _field(form, "cancel_reason"),
            "scope": _field(form, "scope") or "this",
        }
        return await self._change(request, group_id, session_id, body, "Cancelled")

    @post("/{session_id:int}/reinstate")
    async def reinstate(
        self, request: Request, group_id: GroupId, session_id: SessionId
    ) -> Response:
        body = {"status": SessionStatus.SCHEDULED.value}
        return await self._change(request, group_id, session_id, body, "Back on the schedule")

    @post("/{session_id:int}/reschedule")
    async def reschedule(
        self, request: Request, group_id: GroupId, session_id: SessionId
    ) -> Response:
        form = await request.form()
        try:
            body: dict[str, Any] = {
                "starts_at": _local_start(form).isoformat(),
                "scope": _field(form, "scope") or "this",
            }
        except FormError as exc:
            return await render_group(request, group_id, status_code=422, flash_error=str(exc))
        if _field(form, "duration"):
            body["duration_minutes"] = _field(form, "duration")
        if _field(form, "location"):
            body["location"] = _field(form, "location")
        return await self._change(request, group_id, session_id, body, "Moved")

    async def _change(
        self, request: Request, group_id: int, session_id: int, body: dict, done: str
    ) -> Response:
        try:
            changed = await scheduling.update_session(
                request.scope["user"],
                session_id,
                msgspec.convert(body, SessionUpdate, strict=False),
                group_id=group_id,
            )
        except msgspec.ValidationError as exc:
            return await render_group(
                request, group_id, status_code=422, flash_error=error_text(request, exc)
            )
        except LingkarError as exc:
            if exc.status_code == 404:
                raise
            return await render_group(
                request,
                group_id,
                status_code=exc.status_code,
                flash_error=error_text(request, exc),
                schedule_clashes=exc.extra.get("clashes", []),
            )
        return await render_group(request, group_id, flash_ok=f"{done}: {_when(changed)}.")


CONTROLLERS: tuple = (SchedulePages,)
