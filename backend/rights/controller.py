from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency

from backend.accounts.auth import requires_admin, requires_member
from backend.accounts.schemas import CurrentUser
from backend.lib.types import MemberId
from backend.rights import service
from backend.rights.schemas import Erasure, MyData


class MyDataController(Controller):
    path = "/api/v1/me/export"
    tags = ["data rights"]
    guards = [requires_member]

    @get("/", summary="Everything Lingkar holds about me (no one else's data, no notes)")
    async def export(self, user: NamedDependency[CurrentUser]) -> MyData:
        assert user.member_id is not None
        return await service.my_data(user.member_id)


class ErasureController(Controller):
    path = "/api/v1/members/{member_id:int}/erase"
    tags = ["data rights"]
    guards = [requires_admin]

    @post(
        "/",
        status_code=200,
        summary="Erase a member's personal data; their attendance stays, anonymous (admins)",
        description=(
            "Name, email, phone, login, calendar link, feedback comments and confidential notes "
            "about the member are removed; every figure and report stays the same. 409 while "
            "the member is enrolled or waiting in a group."
        ),
    )
    async def erase(self, user: NamedDependency[CurrentUser], member_id: MemberId) -> Erasure:
        return await service.erase(user, member_id)
