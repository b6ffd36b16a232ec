from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from backend.accounts.auth import requires_staff
from backend.accounts.schemas import CurrentUser
from backend.followup import service
from backend.followup.schemas import ContactCreate, ContactRead, FollowUpList
from backend.lib.types import GroupId, MemberId


class FollowUpController(Controller):
    path = "/api/v1"
    tags = ["follow-up"]
    guards = [requires_staff]

    @get(
        "/follow-up",
        summary="Members drifting away, across all your groups",
        description=(
            "Absent from the last two or more held sessions, or present at fewer than half of "
            "their last four held sessions (excused ones set aside); each with their phone, a "
            "WhatsApp click-to-chat link with a message in their language, and the contacts "
            "recorded."
        ),
    )
    async def follow_up(self, request: Request, user: NamedDependency[CurrentUser]) -> FollowUpList:
        return await service.follow_up_list(user, request.scope.get("language", "en"))

    @post(
        "/groups/{group_id:int}/members/{member_id:int}/contacts",
        summary="Record a contact with a member on the follow-up list",
    )
    async def record_contact(
        self,
        user: NamedDependency[CurrentUser],
        group_id: GroupId,
        member_id: MemberId,
        data: JSONBody[ContactCreate],
    ) -> ContactRead:
        return await service.record_contact(user, group_id, member_id, data)
