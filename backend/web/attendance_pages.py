"""Pages for roll calls and reports.

A roll on a phone: one tap marks everyone still unmarked present ("Everyone present", which
works with and without JavaScript), then the exceptions, then Save. Saving with members still
unmarked asks first (a confirmation in the page without JavaScript, a dialog with it), since
they would count as absent. A session that has not started has no roll form. Errors name the
member, never an id or a code.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from backend.accounts.auth import requires_staff
from backend.attendance import service as attendance
from backend.attendance.schemas import RollInput
from backend.domain.vocabulary import (
    PARTICIPATION_LEVELS,
    STATUS_LABELS,
    STATUSES,
    AttendanceStatus,
    in_language,
)
from backend.groups import service as groups
from backend.lib.errors import LingkarError
from backend.lib.i18n import N_, format_message
from backend.lib.moments import now
from backend.lib.types import GroupId, SessionId
from backend.lib.validation import from_msgspec
from backend.web.group_page import render_group
from backend.web.render import WEB_EXCEPTION_HANDLERS, _, language, page, redirect

_RECORD_FIELD = re.compile(r"^records\[(\d+)\]\.(\w+)$")
_MEMBER_FIELD = re.compile(r"^(?:status|participation|purposes|note|reason)-(\d{1,18})$")
ROLL_LABELS = {
    "status": N_("Status"),
    "participation": N_("Participation"),
    "purposes": N_("Purposes"),
    "note": N_("Confidential note"),
    "reason": N_("Reason"),
}


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
            "reason": r.reason or "",
        }
        for r in sheet.roll.records
    }
    return page(
        "attendance/roll.html",
        request,
        status_code=status_code,
        session=sheet.session,
        started=sheet.session.starts_at <= now(),
        group=group,
        timezone=group.timezone,
        roll=sheet.roll,
        members=sheet.members,
        values=values if values is not None else stored,
        errors=errors or {},
        statuses=STATUSES,
        participation_levels=("", *PARTICIPATION_LEVELS),
        **context,
    )


def roll_from_form(form: Any) -> tuple[dict, dict[int, dict]]:
    """The submitted roll (members without a status are left out) and the values to show."""
    member_ids = sorted({int(m.group(1)) for key in form for m in [_MEMBER_FIELD.match(key)] if m})
    member_ids = sorted(
        set(member_ids) | {int(v) for v in form.getall("member", []) if str(v).isdigit()}
    )
    records = []
    values: dict[int, dict[str, Any]] = {}
    for member_id in member_ids:
        status = str(form.get(f"status-{member_id}", "")).strip()
        participation = str(form.get(f"participation-{member_id}", "")).strip()
        purposes = [str(p) for p in form.getall(f"purposes-{member_id}", [])]
        note = str(form.get(f"note-{member_id}", "")).strip()
        reason = str(form.get(f"reason-{member_id}", "")).strip()
        values[member_id] = {
            "status": status,
            "participation": participation,
            "purposes": purposes,
            "note": note,
            "reason": reason,
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
        # A reason chosen and then another status picked is left behind, not refused.
        if reason and status == AttendanceStatus.EXCUSED:
            record["reason"] = reason
        records.append(record)
    return {"records": records}, values


def _member_at(body: dict, field: str | None) -> int | None:
    match = _RECORD_FIELD.match(field or "")
    if not match or int(match.group(1)) >= len(body["records"]):
        return None
    return body["records"][int(match.group(1))]["member_id"]


def roll_error(
    request: Request, exc: Exception, body: dict, names: dict[int, str]
) -> tuple[int | None, str]:
    """The member at fault and what is wrong, in words: a name (never an id), a status title
    (never a code)."""
    lang = language(request)
    if isinstance(exc, msgspec.ValidationError):
        refusal = from_msgspec(str(exc))
        member = _member_at(body, refusal.field)
        label = _(request, ROLL_LABELS.get(refusal.leaf, N_("This field")))
        text = refusal.message(lang, label)
        if member is not None:
            text = f"{names.get(member, '')}: {text}"
        return member, text
    assert isinstance(exc, LingkarError)
    member = _member_at(body, exc.field)
    params = dict(exc.params)
    if "member" in params:
        params["member"] = names.get(params["member"], _(request, N_("a member")))
    if params.get("status") in STATUS_LABELS:
        params["status"] = in_language(STATUS_LABELS[params["status"]], lang).lower()
    return member, format_message(exc.detail, params, lang)


def summary(request: Request, roll: Any, unmarked: int) -> str:
    lang = language(request)
    counts = {s: sum(1 for r in roll.records if r.status == s) for s in STATUSES}
    parts = [f"{n} {in_language(STATUS_LABELS[s], lang).lower()}" for s, n in counts.items() if n]
    if unmarked > 0:
        parts.append(_(request, N_("{count} not marked (counted absent)"), count=unmarked))
    return _(
        request,
        N_("Roll saved: {summary}."),
        summary=", ".join(parts) or _(request, N_("nobody marked")),
    )


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
    async def save_roll(self, request: Request, session_id: SessionId) -> Response:
        form = await request.form()
        body, values = roll_from_form(form)
        if form.get("all_present"):
            # "Everyone present" without JavaScript: the form again, everyone still unmarked
            # now present; nothing is saved until Save.
            for value in values.values():
                value["status"] = value["status"] or AttendanceStatus.PRESENT.value
            return await render_roll(request, session_id, values=values)
        unmarked = [m for m, v in values.items() if not v["status"]]
        if unmarked and not form.get("confirm_unmarked"):
            return await render_roll(request, session_id, values=values, confirm_unmarked=unmarked)
        try:
            roll = await attendance.put_roll(
                request.scope["user"], session_id, msgspec.convert(body, RollInput, strict=False)
            )
        except (msgspec.ValidationError, LingkarError) as exc:
            if isinstance(exc, LingkarError) and exc.status_code == 404:
                raise
            sheet = await attendance.roll_sheet(request.scope["user"], session_id)
            names = {m["member_id"]: m["display_name"] for m in sheet.members}
            member, text = roll_error(request, exc, body, names)
            return await render_roll(
                request,
                session_id,
                status_code=getattr(exc, "status_code", 422),
                values=values,
                errors={member: text} if member is not None else {},
                flash_error=_(request, N_("Nothing was saved. {reason}"), reason=text),
            )
        return redirect(
            request,
            f"/sessions/{session_id}/roll#saved-roll",
            ok=summary(request, roll, len(unmarked)),
        )

    @get("/groups/{group_id:int}/report")
    async def report_page(self, request: Request, group_id: GroupId) -> Template:
        return await render_group(request, group_id, "report")


CONTROLLERS: tuple = (AttendancePages,)
