"""A member's own actions from their session list: saying ahead that they cannot come, and
withdrawing it. Each form posts, then returns to the session on /my with a short message."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from backend.accounts.auth import requires_member
from backend.attendance import service as attendance
from backend.attendance.schemas import AbsenceInput
from backend.domain.feedback import FEEDBACK_DAYS, FEEDBACK_SCALE
from backend.feedback import service as feedback
from backend.feedback.schemas import FeedbackInput
from backend.lib.errors import LingkarError
from backend.lib.i18n import N_
from backend.lib.types import SessionId
from backend.web.render import (
    WEB_EXCEPTION_HANDLERS,
    _,
    error_field,
    error_text,
    language,
    page,
    redirect,
)

ABSENCE_LABELS = {"reason": N_("Reason")}
FEEDBACK_LABELS = {"ratings": N_("Answers"), "purposes": N_("Purposes"), "comment": N_("Comment")}


async def render_feedback(
    request: Request,
    session_id: int,
    *,
    status_code: int = 200,
    values: dict | None = None,
    **context: object,
) -> Template:
    lang = language(request)
    mine = await feedback.my_feedback(request.scope["user"], session_id, lang)
    if values is None:
        answer = mine.answer
        values = {
            "ratings": answer.ratings if answer else {},
            "purposes": answer.purposes if answer else [],
            "comment": (answer.comment or "") if answer else "",
        }
    return page(
        "my_feedback.html",
        request,
        status_code=status_code,
        feedback=mine,
        values=values,
        scale=[(v, face, id_ if lang == "id" else en) for v, face, en, id_ in FEEDBACK_SCALE],
        why=_(
            request,
            N_(
                "Feedback is open from the start of a session until {days} days after it, for "
                "the members who were there."
            ),
            days=FEEDBACK_DAYS,
        ),
        **context,
    )


def feedback_from_form(form: Any) -> tuple[dict, dict]:
    """The body for the service, and the values to show again."""
    ratings: dict[str, int] = {}
    for key in form:
        if key.startswith("rating-") and str(form.get(key, "")).isdigit():
            ratings[key.removeprefix("rating-")] = int(form.get(key))
    purposes = [str(p) for p in form.getall("purposes", [])]
    comment = str(form.get("comment", "")).strip()
    body: dict = {"ratings": ratings, "purposes": purposes}
    if comment:
        body["comment"] = comment
    return body, {"ratings": ratings, "purposes": purposes, "comment": comment}


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

    @get("/feedback")
    async def feedback_form(self, request: Request, session_id: SessionId) -> Template:
        return await render_feedback(request, session_id)

    @post("/feedback")
    async def save_feedback(self, request: Request, session_id: SessionId) -> Response:
        body, values = feedback_from_form(await request.form())
        try:
            await feedback.answer(
                request.scope["user"],
                session_id,
                msgspec.convert(body, FeedbackInput, strict=False),
                language(request),
            )
        except (msgspec.ValidationError, LingkarError) as exc:
            if isinstance(exc, LingkarError) and exc.status_code == 404:
                raise
            return await render_feedback(
                request,
                session_id,
                status_code=getattr(exc, "status_code", 422),
                values=values,
                flash_error=error_text(request, exc, FEEDBACK_LABELS),
                error_field=error_field(exc),
            )
        return redirect(request, "/my#feedback", ok=_(request, N_("Thank you for your answer.")))

    @get(["/absence", "/absence/withdraw"])
    async def back_to_my_sessions(self, session_id: SessionId) -> Redirect:
        return Redirect(path=_back(session_id))


CONTROLLERS: tuple = (MemberSessionPages,)
