from __future__ import annotations

from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from backend.accounts.auth import requires_member, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.feedback import service
from backend.feedback.schemas import (
    FeedbackInput,
    GroupFeedback,
    MyFeedback,
    SessionFeedbackFigures,
)
from backend.lib.types import GroupId, SessionId


def _language(request: Request) -> str:
    return request.scope.get("language", "en")


class MyFeedbackController(Controller):
    path = "/api/v1/me/sessions/{session_id:int}/feedback"
    tags = ["feedback"]
    guards = [requires_member]

    @get("/", summary="The feedback items of a session of mine, and my answer if any")
    async def mine(
        self, request: Request, user: NamedDependency[CurrentUser], session_id: SessionId
    ) -> MyFeedback:
        return await service.my_feedback(user, session_id, _language(request))

    @put(
        "/",
        summary="Answer (or change my answer) after a session I was at",
        description=(
            "From the session's start until 7 days after it, for members recorded present or "
            "late: every item rated 1-5, the group's purposes the session served, a comment. "
            "201 for the first answer, 200 for a change."
        ),
        status_code=200,
    )
    async def answer(
        self,
        request: Request,
        user: NamedDependency[CurrentUser],
        session_id: SessionId,
        data: JSONBody[FeedbackInput],
    ) -> Response[MyFeedback]:
        mine, first = await service.answer(user, session_id, data, _language(request))
        return Response(mine, status_code=201 if first else 200)


class FeedbackFiguresController(Controller):
    tags = ["feedback"]
    guards = [requires_staff]
    path = "/api/v1"

    @get(
        "/sessions/{session_id:int}/feedback",
        summary="Members' feedback on a session, in aggregate (from 3 answers)",
    )
    async def session(
        self, request: Request, user: NamedDependency[CurrentUser], session_id: SessionId
    ) -> SessionFeedbackFigures:
        return await service.session_feedback(user, session_id, _language(request))

    @get(
        "/groups/{group_id:int}/feedback",
        summary="Members' feedback on a group's sessions, in aggregate (from 3 answers)",
    )
    async def group(
        self, request: Request, user: NamedDependency[CurrentUser], group_id: GroupId
    ) -> GroupFeedback:
        return await service.group_feedback(user, group_id, _language(request))
