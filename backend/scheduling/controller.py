from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter, QueryParameter

from backend.accounts.auth import provide_user, requires_member, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.lib.types import LimitParam, OffsetParam
from backend.scheduling import service
from backend.scheduling.schemas import (
    SessionCreate,
    SessionList,
    SessionRead,
    SessionsCreated,
    SessionUpdate,
)

GroupId = Annotated[int, Parameter(ge=1, le=2**62, description="The group's id")]
SessionId = Annotated[int, Parameter(ge=1, le=2**62, description="The session's id")]
FromParam = Annotated[
    datetime | None,
    QueryParameter(
        name="from",
        description="Sessions starting at or after this time (ISO 8601; UTC without offset)",
    ),
]
ToParam = Annotated[
    datetime | None,
    QueryParameter(
        name="to", description="Sessions starting before this time (ISO 8601; UTC without offset)"
    ),
]
GroupFilter = Annotated[int | None, Parameter(ge=1, le=2**62, description="Only this group")]


class GroupSessionController(Controller):
    path = "/api/v1/groups/{group_id:int}/sessions"
    tags = ["scheduling"]
    guards = [requires_staff]
    dependencies = {"user": Provide(provide_user)}

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
        self, user: CurrentUser, group_id: GroupId, data: SessionCreate
    ) -> SessionsCreated:
        return await service.create_sessions(user, group_id, data)


class SessionController(Controller):
    path = "/api/v1/sessions"
    tags = ["scheduling"]
    guards = [requires_staff]
    dependencies = {"user": Provide(provide_user)}

    @get("/", summary="Sessions of your groups (all groups for admins), by start time")
    async def list_sessions(
        self,
        user: CurrentUser,
        group: GroupFilter = None,
        from_: FromParam = None,
        to: ToParam = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> SessionList:
        return await service.list_sessions(user, group, from_, to, limit, offset)

    @get("/{session_id:int}", summary="One session")
    async def get_session(self, user: CurrentUser, session_id: SessionId) -> SessionRead:
        return await service.get_session(user, session_id)

    @patch(
        "/{session_id:int}",
        summary="Reschedule, move, cancel or reinstate a session (or it and the rest of "
        "its series)",
    )
    async def update_session(
        self, user: CurrentUser, session_id: SessionId, data: SessionUpdate
    ) -> SessionRead:
        return await service.update_session(user, session_id, data)


class MySessionController(Controller):
    path = "/api/v1/me/sessions"
    tags = ["scheduling"]
    guards = [requires_member]
    dependencies = {"user": Provide(provide_user)}

    @get("/", summary="The sessions of my groups, from the day I joined each")
    async def my_sessions(
        self,
        user: CurrentUser,
        from_: FromParam = None,
        to: ToParam = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> SessionList:
        assert user.member_id is not None
        return await service.member_sessions(user.member_id, from_, to, limit, offset)
