"""Pages for the schedule: adding sessions or a series, cancelling, reinstating, moving.

The forms need no JavaScript: a series is a date, a time, a length, a repeat choice and a
number of sessions, turned into an RRULE here. The form has no RRULE, so a refused rule is
said in the form's own terms (how many sessions, how often).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from backend.accounts.auth import requires_staff
from backend.domain.vocabulary import ClashReason, SessionStatus
from backend.groups import service as groups
from backend.lib.errors import Invalid, LingkarError
from backend.lib.i18n import N_, format_when
from backend.lib.types import GroupId, SessionId
from backend.scheduling import service as scheduling
from backend.scheduling.schemas import SessionCreate, SessionUpdate
from backend.web.group_page import render_group
from backend.web.render import (
    WEB_EXCEPTION_HANDLERS,
    _,
    error_field,
    error_text,
    language,
    redirect,
)
from backend.web.views import REPEATS

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SESSION_LABELS = {
    "date": N_("Date"),
    "time": N_("Start time"),
    "starts_at": N_("Date"),
    "first_starts_at": N_("Date"),
    "duration_minutes": N_("Length in minutes"),
    "count": N_("Number of sessions"),
    "location": N_("Place"),
    "topic": N_("Topic"),
    "guide": N_("Guide followed"),
    "cancel_reason": N_("Why it is cancelled"),
}
SERIES_TOO_LONG = N_(
    "These sessions would run over more than two years: schedule fewer sessions, or repeat "
    "them more often."
)
SERIES_REFUSED = N_(
    "These sessions cannot be scheduled as a series: check the date, the repeat and the "
    "number of sessions."
)


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


def _local_start(form: Any) -> datetime:
    day, clock = _field(form, "date"), _field(form, "time")
    if not day or not clock:
        raise Invalid(N_("Choose a date and a time."), field="date", code="date_required")
    try:
        return datetime.fromisoformat(f"{day}T{clock}")
    except ValueError as exc:
        raise Invalid(
            N_("The date or the time is not valid."), field="date", code="not_a_date"
        ) from exc


def _session_body(form: Any) -> dict[str, Any]:
    start = _local_start(form)
    repeat = _field(form, "repeat") or "none"
    if repeat not in REPEATS:
        raise Invalid(N_("Choose how the sessions repeat."), field="repeat", code="repeat")
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
        raise Invalid(
            N_("Number of sessions must be a number."), field="count", code="count_not_a_number"
        ) from exc
    if not 1 <= count <= 200:
        raise Invalid(
            N_("Number of sessions must be between 1 and 200."),
            field="count",
            code="count_out_of_range",
        )
    body["first_starts_at"] = start.isoformat()
    body["rrule"] = series_rule(repeat, start.date(), count)
    return body


def schedule_error(request: Request, exc: Exception) -> str:
    """A refused form in the form's terms: the rule it built is not the reader's to fix."""
    if isinstance(exc, LingkarError) and exc.field == "rrule":
        too_long = "2 years" in exc.detail or "200 sessions" in exc.detail
        return _(request, SERIES_TOO_LONG if too_long else SERIES_REFUSED)
    if isinstance(exc, LingkarError) and exc.extra.get("clashes"):
        count = len({c["starts_at"] for c in exc.extra["clashes"]})
        return _(
            request,
            N_("{count} of the dates clash with sessions already booked; nothing was saved."),
            count=count,
        )
    return error_text(request, exc, SESSION_LABELS)


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
        except (msgspec.ValidationError, LingkarError) as exc:
            if isinstance(exc, LingkarError) and exc.status_code == 404:
                raise
            return await render_group(
                request,
                group_id,
                "schedule",
                status_code=getattr(exc, "status_code", 422),
                flash_error=schedule_error(request, exc),
                error_field=error_field(exc),
                schedule_form=values,
                schedule_clashes=exc.extra.get("clashes", [])
                if isinstance(exc, LingkarError)
                else [],
            )
        lang = language(request)
        count = len(created.sessions)
        message = _(
            request,
            N_("Scheduled 1 session.") if count == 1 else N_("Scheduled {count} sessions."),
            count=count,
        )
        if created.skipped:
            timezone = created.sessions[0].timezone if created.sessions else "UTC"
            skipped = sorted(
                {c.starts_at: c for c in created.skipped}.values(), key=lambda c: c.starts_at
            )
            message += " " + _(
                request,
                N_("Skipped because they clash: {dates}."),
                dates="; ".join(
                    format_when(c.starts_at, timezone, lang, width="medium", zone=False)
                    + " ("
                    + _(
                        request,
                        N_("facilitator busy")
                        if c.reason == ClashReason.FACILITATOR
                        else N_("place booked"),
                    )
                    + ")"
                    for c in skipped
                ),
            )
        return redirect(request, f"/groups/{group_id}#upcoming", ok=message)

    @post("/{session_id:int}/cancel")
    async def cancel(self, request: Request, group_id: GroupId, session_id: SessionId) -> Response:
        form = await request.form()
        body = {
            "status": SessionStatus.CANCELLED.value,
            "cancel_reason": _field(form, "cancel_reason"),
            "scope": _field(form, "scope") or "this",
        }
        return await self._change(request, group_id, session_id, body, N_("Cancelled: {when}."))

    @post("/{session_id:int}/reinstate")
    async def reinstate(
        self, request: Request, group_id: GroupId, session_id: SessionId
    ) -> Response:
        body = {"status": SessionStatus.SCHEDULED.value}
        return await self._change(
            request, group_id, session_id, body, N_("Back on the schedule: {when}.")
        )

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
        except LingkarError as exc:
            return await render_group(
                request,
                group_id,
                "schedule",
                status_code=422,
                flash_error=error_text(request, exc),
            )
        if _field(form, "duration"):
            body["duration_minutes"] = _field(form, "duration")
        if _field(form, "location"):
            body["location"] = _field(form, "location")
        return await self._change(request, group_id, session_id, body, N_("Moved: {when}."))

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
        except (msgspec.ValidationError, LingkarError) as exc:
            if isinstance(exc, LingkarError) and exc.status_code == 404:
                raise
            return await render_group(
                request,
                group_id,
                "schedule",
                status_code=getattr(exc, "status_code", 422),
                flash_error=schedule_error(request, exc),
                schedule_clashes=exc.extra.get("clashes", [])
                if isinstance(exc, LingkarError)
                else [],
            )
        when = format_when(changed.starts_at, changed.timezone, language(request), zone=False)
        return redirect(
            request, f"/groups/{group_id}#session-{session_id}", ok=_(request, done, when=when)
        )

    @get(
        [
            "/",
            "/{session_id:int}/cancel",
            "/{session_id:int}/reinstate",
            "/{session_id:int}/reschedule",
        ]
    )
    async def back_to_schedule(self, request: Request, group_id: GroupId) -> Redirect:
        await groups.get_group(request.scope["user"], group_id)
        return Redirect(path=f"/groups/{group_id}")


CONTROLLERS: tuple = (SchedulePages,)
