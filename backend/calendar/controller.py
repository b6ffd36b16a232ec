from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, delete, get
from litestar.di import NamedDependency
from litestar.params import PathParameter

from backend.accounts.auth import requires_member, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.calendar import service
from backend.lib.errors import NotFound
from backend.lib.i18n import N_
from backend.lib.types import GroupId
from backend.scheduling import service as scheduling
from backend.scheduling.schemas import CalendarLink

FEED_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def _ics(body: bytes, filename: str) -> Response[bytes]:
    return Response(
        content=body,
        media_type=service.MEDIA_TYPE,
        headers={**FEED_HEADERS, "Content-Disposition": f'inline; filename="{filename}"'},
    )


class GroupCalendarController(Controller):
    path = "/api/v1/groups/{group_id:int}/calendar.ics"
    tags = ["calendar"]
    guards = [requires_staff]

    @get(
        "/",
        summary="The group's sessions as an iCalendar feed (its facilitators and admins)",
        media_type=service.MEDIA_TYPE,
    )
    async def group_calendar(
        self, request: Request, user: NamedDependency[CurrentUser], group_id: GroupId
    ) -> Response[bytes]:
        group, rows = await scheduling.group_feed_rows(user, group_id)
        body = service.build_calendar(
            group.name,
            f"group-{group.id}@lingkar",
            rows,
            str(request.base_url),
            request.app.state.settings.reminder_offsets,
        )
        return _ics(body, f"group-{group.id}.ics")


class MyCalendarLinkController(Controller):
    path = "/api/v1/me/calendar-link"
    tags = ["calendar"]
    guards = [requires_member]

    @get("/", summary="My private calendar feed URL (issued on first use)")
    async def calendar_link(
        self, request: Request, user: NamedDependency[CurrentUser]
    ) -> CalendarLink:
        assert user.member_id is not None
        token = await service.calendar_token(user.member_id, request.app.state.secret_key)
        url = service.feed_url(str(request.base_url), token)
        return CalendarLink(url=url, webcal_url=service.webcal_url(url))

    @delete("/", summary="Revoke my calendar feed URL; the next request issues a new one")
    async def revoke_calendar_link(self, user: NamedDependency[CurrentUser]) -> None:
        assert user.member_id is not None
        await service.revoke_calendar_token(user.member_id)


class CalendarFeedController(Controller):
    path = "/api/v1/calendar"
    tags = ["calendar"]

    @get(
        "/{token:str}",
        summary="A member's private calendar feed (the URL is the secret: no login)",
        description="The path ends in .ics. An unknown or revoked token is a 404.",
        media_type=service.MEDIA_TYPE,
    )
    async def member_calendar(
        self,
        request: Request,
        token: Annotated[str, PathParameter(max_length=200, description="<token>.ics")],
    ) -> Response[bytes]:
        member_id = None
        if token.endswith(".ics"):
            member_id = await service.member_for_token(token.removesuffix(".ics"))
        if member_id is None:
            raise NotFound(
                N_("No calendar at this address; ask for a new link."), code="unknown_feed"
            )
        rows = await scheduling.member_feed_rows(member_id)
        body = service.build_calendar(
            "My group sessions",
            f"member-{member_id}@lingkar",
            rows,
            str(request.base_url),
            request.app.state.settings.reminder_offsets,
        )
        return _ics(body, "sessions.ics")
