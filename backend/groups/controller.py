from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from backend.accounts.auth import requires_staff
from backend.accounts.schemas import CurrentUser
from backend.groups import service
from backend.groups.schemas import (
    EnrolmentCreate,
    EnrolmentRead,
    GroupCreate,
    GroupList,
    GroupRead,
    GroupUpdate,
    MemberCreate,
    MemberList,
    MemberRead,
    Roster,
)
from backend.lib.moments import parse_date
from backend.lib.types import (
    SINGLE_LINE_PATTERN,
    GroupId,
    LimitParam,
    MemberId,
    OffsetParam,
)

Search = Annotated[
    str | None,
    QueryParameter(
        max_length=120, pattern=SINGLE_LINE_PATTERN, description="Part of a name or email"
    ),
]
ExactEmail = Annotated[
    str | None,
    QueryParameter(
        max_length=254,
        pattern=SINGLE_LINE_PATTERN,
        description="Exactly this email: the one person on record with it",
    ),
]
ExactPhone = Annotated[
    str | None,
    QueryParameter(
        max_length=40,
        pattern=SINGLE_LINE_PATTERN,
        description="Exactly this phone: the one person on record with it",
    ),
]


LeftOn = Annotated[
    str | None,
    QueryParameter(
        max_length=10,
        description="The last day in the group (YYYY-MM-DD); today when not given",
        schema_extra={"format": "date"},
    ),
]


class MemberController(Controller):
    path = "/api/v1/members"
    tags = ["groups"]
    guards = [requires_staff]

    @get(
        "/",
        summary="Members of your groups (everyone for admins), or one person by exact contact",
        description=(
            "Facilitators list the members who are, were or wait to be in their groups, and "
            "the people they added. With `email` or `phone`, the one person on record with "
            "exactly that contact is returned, as `{id, display_name}` only."
        ),
    )
    async def list_members(
        self,
        user: NamedDependency[CurrentUser],
        q: Search = None,
        email: ExactEmail = None,
        phone: ExactPhone = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> MemberList:
        return await service.list_members(user, q, limit, offset, email=email, phone=phone)

    @post(
        "/",
        summary="Add a person (with a login when email and password are given)",
        description="A person whose email or phone is already on record is a 409 naming them.",
    )
    async def create_member(
        self, user: NamedDependency[CurrentUser], data: JSONBody[MemberCreate]
    ) -> MemberRead:
        return await service.create_member(user, data)

    @get("/{member_id:int}", summary="One member of your groups")
    async def get_member(
        self, user: NamedDependency[CurrentUser], member_id: MemberId
    ) -> MemberRead:
        return await service.get_member(user, member_id)


class GroupController(Controller):
    path = "/api/v1/groups"
    tags = ["groups"]
    guards = [requires_staff]

    @get("/", summary="Your groups (all groups for admins)")
    async def list_groups(self, user: NamedDependency[CurrentUser]) -> GroupList:
        return await service.list_groups(user)

    @post("/", summary="Plan a group")
    async def create_group(
        self, user: NamedDependency[CurrentUser], data: JSONBody[GroupCreate]
    ) -> GroupRead:
        return await service.create_group(user, data)

    @get("/{group_id:int}", summary="One group")
    async def get_group(self, user: NamedDependency[CurrentUser], group_id: GroupId) -> GroupRead:
        return await service.get_group(user, group_id)

    @patch("/{group_id:int}", summary="Change a group")
    async def update_group(
        self, user: NamedDependency[CurrentUser], group_id: GroupId, data: JSONBody[GroupUpdate]
    ) -> GroupRead:
        return await service.update_group(user, group_id, data)

    @get("/{group_id:int}/members", summary="The roster and the waiting list")
    async def roster(self, user: NamedDependency[CurrentUser], group_id: GroupId) -> Roster:
        return await service.roster(user, group_id)

    @post(
        "/{group_id:int}/members",
        summary="Enrol a member (consent required)",
        description=(
            "Name the member by `member_id` (one of yours), or a person on record elsewhere by "
            "their exact `email` or `phone`."
        ),
    )
    async def enrol(
        self,
        user: NamedDependency[CurrentUser],
        group_id: GroupId,
        data: JSONBody[EnrolmentCreate],
    ) -> EnrolmentRead:
        return await service.enrol(user, group_id, data)

    @delete(
        "/{group_id:int}/members/{member_id:int}",
        summary="End a membership (or a place on the waiting list)",
        description="`left_on` is the last day in the group: today when not given.",
    )
    async def end_membership(
        self,
        user: NamedDependency[CurrentUser],
        group_id: GroupId,
        member_id: MemberId,
        left_on: LeftOn = None,
    ) -> None:
        await service.end_membership(user, group_id, member_id, parse_date(left_on, "left_on"))
