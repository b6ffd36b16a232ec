from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from backend.accounts.auth import requires_member, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.lib.moments import parse_moment
from backend.lib.types import MAX_ID, GroupId, LimitParam, OffsetParam, SessionId
from backend.scheduling import service
from backend.scheduling.schemas import (
    SessionCreate,
    SessionList,
    SessionRead,
    SessionsCreated,
    SessionUpdate,
)

FromParam = Annotated[
    str | None,
    QueryParameter(
        name="from",
        max_length=40,
        description="Sessions starting at or after this time (ISO 8601; UTC without offset)",
        schema_extra={"format": "date-time"},
    ),
]
ToParam = Annotated[
    str | None,
    QueryParameter(
        max_length=40,
        description="Sessions starting before this time (ISO 8601; UTC without offset)",
        schema_extra={"format": "date-time"},
    ),
]
GroupFilter = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="Only this group")]


class GroupSessionController(Controller):
    path = "/api/v1/groups/{group_id:int}/sessions"
    tags = ["scheduling"]
    guards = [requires_staff]

    @post(
        "/",
        summary="Schedule one session, or a series from an RFC 5545 RRULE",
        description=(
            "One session: starts_at with ends_at or duration_minutes. A series: "
            "first_starts_at, duration_minutes and an RRULE ending by COUNT or UNTIL (at most "
            "200 sessions within 2 years). Times without an offset are read in the group's "
            "time zone. A clash with a facilitator's or a place's other sessions is a 409 "
            'listing every clashing occurrence, unless on_conflict is "skip".'
        ),
    )
    async def create_sessions(
        self,
        user: NamedDependency[CurrentUser],
        group_id: GroupId,
        data: JSONBody[SessionCreate],
    ) -> SessionsCreated:
        return await service.create_sessions(user, group_id, data)


class SessionController(Controller):
    path = "/api/v1/sessions"
    tags = ["scheduling"]
    guards = [requires_staff]

    @get("/", summary="Sessions of your groups (all groups for admins), by start time")
    async def list_sessions(
        self,
        user: NamedDependency[CurrentUser],
        group: GroupFilter = None,
        from_: FromParam = None,
        to: ToParam = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> SessionList:
        return await service.list_sessions(
            user, group, parse_moment(from_, "from"), parse_moment(to, "to"), limit, offset
        )

    @get("/{session_id:int}", summary="One session")
    async def get_session(
        self, user: NamedDependency[CurrentUser], session_id: SessionId
    ) -> SessionRead:
        return await service.get_session(user, session_id)

    @patch(
        "/{session_id:int}",
        summary="Reschedule, move, cancel or reinstate a session (or it and the rest of "
        "its series)",
    )
    async def update_session(
        self,
        user: NamedDependency[CurrentUser],
        session_id: SessionId,
        data: JSONBody[SessionUpdate],
    ) -> SessionRead:
        return await service.update_session(user, session_id, data)


class MySessionController(Controller):
    path = "/api/v1/me/sessions"
    tags = ["scheduling"]
    guards = [requires_member]

    @get("/", summary="The sessions of my groups, from the day I joined each")
    async def my_sessions(
        self,
        user: NamedDependency[CurrentUser],
        from_: FromParam = None,
        to: ToParam = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> SessionList:
        assert user.member_id is not None
        return await service.member_sessions(
            user.member_id, parse_moment(from_, "from"), parse_moment(to, "to"), limit, offset
        )
