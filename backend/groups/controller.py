from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter

from backend.accounts.auth import provide_user, requires_staff
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
from backend.lib.types import LimitParam, OffsetParam

GroupId = Annotated[int, Parameter(ge=1, le=2**62, description="The group's id")]
MemberId = Annotated[int, Parameter(ge=1, le=2**62, description="The member's id")]


class MemberController(Controller):
    path = "/api/v1/members"
    tags = ["groups"]
    guards = [requires_staff]

    @get("/", summary="List members (facilitators and admins)")
    async def list_members(
        self,
        q: Annotated[str | None, Parameter(max_length=120)] = None,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> MemberList:
        return await service.list_members(q, limit, offset)

    @post("/", summary="Add a member (with a login when email and password are given)")
    async def create_member(self, data: MemberCreate) -> MemberRead:
        return await service.create_member(data)

    @get("/{member_id:int}", summary="One member")
    async def get_member(self, member_id: MemberId) -> MemberRead:
        return await service.get_member(member_id)


class GroupController(Controller):
    path = "/api/v1/groups"
    tags = ["groups"]
    guards = [requires_staff]
    dependencies = {"user": Provide(provide_user)}

    @get("/", summary="Your groups (all groups for admins)")
    async def list_groups(self, user: CurrentUser) -> GroupList:
        return await service.list_groups(user)

    @post("/", summary="Plan a group")
    async def create_group(self, user: CurrentUser, data: GroupCreate) -> GroupRead:
        return await service.create_group(user, data)

    @get("/{group_id:int}", summary="One group")
    async def get_group(self, user: CurrentUser, group_id: GroupId) -> GroupRead:
        return await service.get_group(user, group_id)

    @patch("/{group_id:int}", summary="Change a group")
    async def update_group(
        self, user: CurrentUser, group_id: GroupId, data: GroupUpdate
    ) -> GroupRead:
        return await service.update_group(user, group_id, data)

    @get("/{group_id:int}/members", summary="The roster and the waiting list")
    async def roster(self, user: CurrentUser, group_id: GroupId) -> Roster:
        return await service.roster(user, group_id)

    @post("/{group_id:int}/members", summary="Enrol a member (consent required)")
    async def enrol(
        self, user: CurrentUser, group_id: GroupId, data: EnrolmentCreate
    ) -> EnrolmentRead:
        return await service.enrol(user, group_id, data)

    @delete("/{group_id:int}/members/{member_id:int}", summary="End a membership")
    async def end_membership(
        self, user: CurrentUser, group_id: GroupId, member_id: MemberId
    ) -> None:
        await service.end_membership(user, group_id, member_id)
