"""Pages for the schedule (sessions, series, calendar link).

``pages.py`` merges the context these functions return into the dashboard, the group page
and the member's page, and mounts ``CONTROLLERS``. The forms need no JavaScript: a series is
a date, a time, a length, a repeat choice and a number of sessions, turned into an RRULE here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Template

from backend.accounts.auth import requires_member, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.calendar import service as calendar
from backend.groups import service as groups
from backend.guides.service import guide_index
from backend.lib.errors import LingkarError, NotFound
from backend.scheduling import service as scheduling
from backend.scheduling.schemas import SessionCreate, SessionUpdate

UPCOMING_LIMIT = 50
PAST_LIMIT = 10
REPEATS = {
    "none": "Does not repeat",
    "weekly": "Every week",
    "fortnightly": "Every two weeks",
    "monthly": "Every month (same weekday)",
}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _guides() -> list[tuple[str, str]]:
    return [(e.slug, e.title) for e in guide_index() if e.lang == "en"]


async def dashboard_context(user: CurrentUser) -> dict[str, Any]:
    if not user.is_staff:
        return {}
    upcoming = await scheduling.list_sessions(user, None, datetime.now(UTC), None, 8, 0)
    return {"schedule_next": upcoming.items}


async def group_context(user: CurrentUser, group_id: int) -> dict[str, Any]:
    moment = datetime.now(UTC)
    upcoming = await scheduling.list_sessions(user, group_id, moment, None, UPCOMING_LIMIT, 0)
    past = await scheduling.list_sessions(
        user, group_id, None, moment, PAST_LIMIT, 0, newest_first=True
    )
    return {
        "schedule_upcoming": upcoming.items,
        "schedule_upcoming_total": upcoming.total,
        "schedule_past": past.items,
        "schedule_past_total": past.total,
        "schedule_guides": _guides(),
        "guide_titles": dict(_guides()),
        "schedule_repeats": REPEATS,
    }


async def my_context(user: CurrentUser) -> dict[str, Any]:
    if user.member_id is None:
        return {}
    upcoming = await scheduling.member_sessions(
        user.member_id, datetime.now(UTC), None, UPCOMING_LIMIT, 0
    )
    return {"my_upcoming_sessions": upcoming.items}


# ---------------------------------------------------------------------------- forms


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


def _message(exc: Exception) -> str:
    if isinstance(exc, msgspec.ValidationError):
        text, _, where = str(exc).partition(" - at `$.")
        return f"{where.rstrip('`')}: {text}" if where else text
    return str(exc)


async def _render_group(request: Request, group_id: int, status_code: int = 200, **context: Any):
    from backend.web.pages import render_group

    return await render_group(request, group_id, status_code=status_code, **context)


def _to_login(request: Request, exc: Exception) -> Response:
    from backend.web.pages import to_login

    return to_login(request, exc)


def _forbidden(request: Request, exc: PermissionDeniedException) -> Response:
    from backend.web.pages import forbidden_page

    return forbidden_page(request, exc)


def _error(request: Request, exc: LingkarError) -> Response:
    from backend.web.pages import error_page

    return error_page(request, exc)


HANDLERS = {
    NotAuthorizedException: _to_login,
    PermissionDeniedException: _forbidden,
    LingkarError: _error,
}


def _when(session: Any) -> str:
    return session.starts_at.strftime("%a %d %b %Y, %H:%M")


class SchedulePages(Controller):
    path = "/groups/{group_id:int}/sessions"
    include_in_schema = False
    guards = [requires_staff]
    exception_handlers = HANDLERS

    @post("/")
    async def add_sessions(self, request: Request, group_id: FromPath[int]) -> Response:
        user = request.scope["user"]
        await groups.require_group(user, group_id)
        form = await request.form()
        values = {k: _field(form, k) for k in ("date", "time", "duration", "repeat", "count")}
        values |= {k: _field(form, k) for k in ("location", "topic", "guide", "skip_clashes")}
        try:
            data = msgspec.convert(_session_body(form), SessionCreate, strict=False)
            created = await scheduling.create_sessions(user, group_id, data)
        except (FormError, msgspec.ValidationError) as exc:
            return await _render_group(
                request,
                group_id,
                status_code=422,
                flash_error=_message(exc),
                schedule_form=values,
            )
        except LingkarError as exc:
            clashes = exc.extra.get("clashes", [])
            detail = exc.detail
            if clashes:
                detail = (
                    f"{len({c['starts_at'] for c in clashes})} of the dates clash with sessions "
                    "already booked; nothing was saved."
                )
            return await _render_group(
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
        return await _render_group(
            request,
            group_id,
            flash_ok=message,
            schedule_skipped=created.skipped,
        )

    @post("/{session_id:int}/cancel")
    async def cancel(
        self, request: Request, group_id: FromPath[int], session_id: FromPath[int]
    ) -> Response:
        form = await request.form()
        body = {
            "status": "cancelled",
            "cancel_reason": _field(form, "cancel_reason"),
            "scope": _field(form, "scope") or "this",
        }
        return await self._change(request, group_id, session_id, body, "Cancelled")

    @post("/{session_id:int}/reinstate")
    async def reinstate(
        self, request: Request, group_id: FromPath[int], session_id: FromPath[int]
    ) -> Response:
        return await self._change(
            request, group_id, session_id, {"status": "scheduled"}, "Back on the schedule"
        )

    @post("/{session_id:int}/reschedule")
    async def reschedule(
        self, request: Request, group_id: FromPath[int], session_id: FromPath[int]
    ) -> Response:
        form = await request.form()
        try:
            body: dict[str, Any] = {
                "starts_at": _local_start(form).isoformat(),
                "scope": _field(form, "scope") or "this",
            }
        except FormError as exc:
            return await _render_group(request, group_id, status_code=422, flash_error=str(exc))
        if _field(form, "duration"):
            body["duration_minutes"] = _field(form, "duration")
        if _field(form, "location"):
            body["location"] = _field(form, "location")
        return await self._change(request, group_id, session_id, body, "Moved")

    async def _change(
        self, request: Request, group_id: int, session_id: int, body: dict, done: str
    ) -> Response:
        user = request.scope["user"]
        session = await scheduling.get_session(user, session_id)
        if session.group_id != group_id:
            raise NotFound(f"No session {session_id} in this group.")
        try:
            changed = await scheduling.update_session(
                user, session_id, msgspec.convert(body, SessionUpdate, strict=False)
            )
        except msgspec.ValidationError as exc:
            return await _render_group(
                request, group_id, status_code=422, flash_error=_message(exc)
            )
        except LingkarError as exc:
            clashes = exc.extra.get("clashes", [])
            return await _render_group(
                request,
                group_id,
                status_code=exc.status_code,
                flash_error=exc.detail,
                schedule_clashes=clashes,
            )
        return await _render_group(request, group_id, flash_ok=f"{done}: {_when(changed)}.")


class MyCalendarPages(Controller):
    path = "/my/calendar-link"
    include_in_schema = False
    guards = [requires_member]
    exception_handlers = HANDLERS

    @get("/")
    async def show(self, request: Request) -> Template:
        return await self._render(request)

    @post("/reset")
    async def reset(self, request: Request) -> Template:
        await calendar.revoke_calendar_token(request.scope["user"].member_id)
        return await self._render(
            request, flash_ok="Your old link no longer works; here is the new one."
        )

    async def _render(self, request: Request, **context: Any) -> Template:
        from backend.calendar.controller import feed_url
        from backend.web.pages import my_extras, page

        user = request.scope["user"]
        token = await calendar.calendar_token(user.member_id, request.app.state.settings.secret_key)
        return page(
            "my.html",
            request,
            **await my_extras(user),
            schedule_calendar_url=feed_url(request, token),
            **context,
        )


CONTROLLERS: tuple = (SchedulePages, MyCalendarPages)
