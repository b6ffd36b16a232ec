"""A member's own actions from their session list: saying ahead that they cannot come, and
withdrawing it. Each form posts, then returns to the session on /my with a short message."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from backend.accounts.auth import requires_member
from backend.attendance import service as attendance
from backend.attendance.schemas import AbsenceInput
from backend.lib.errors import LingkarError
from backend.lib.i18n import N_
from backend.lib.types import SessionId
from backend.web.render import WEB_EXCEPTION_HANDLERS, _, error_text, redirect

ABSENCE_LABELS = {"reason": N_("Reason")}


def _back(session_id: int) -> str:
    return f"/my#session-{session_id}"


class MemberSessionPages(Controller):
    path = "/my/sessions/{session_id:int}"
    include_in_schema = False
    guards = [requires_member]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = {"csrf_cookie": True}

    @post("/absence")
    async def say_absent(self, request: Request, session_id: SessionId) -> Response:
        form = await request.form()
        raw = {"reason": str(form.get("reason", "")).strip()}
        try:
            await attendance.say_absent(
                request.scope["user"], session_id, msgspec.convert(raw, AbsenceInput)
            )
        except (msgspec.ValidationError, LingkarError) as exc:
            if isinstance(exc, LingkarError) and exc.status_code == 404:
                raise
            return redirect(
                request, _back(session_id), error=error_text(request, exc, ABSENCE_LABELS)
            )
        return redirect(
            request,
            _back(session_id),
            ok=_(request, N_("Thank you for letting us know. Your facilitator will see it.")),
        )

    @post("/absence/withdraw")
    async def withdraw(self, request: Request, session_id: SessionId) -> Response:
        try:
            await attendance.withdraw_absence(request.scope["user"], session_id)
        except LingkarError as exc:
            if exc.status_code == 404:
                raise
            return redirect(request, _back(session_id), error=error_text(request, exc))
        return redirect(request, _back(session_id), ok=_(request, N_("Good: we expect you there.")))

    @get(["/absence", "/absence/withdraw"])
    async def back_to_my_sessions(self, session_id: SessionId) -> Redirect:
        return Redirect(path=_back(session_id))


CONTROLLERS: tuple = (MemberSessionPages,)
