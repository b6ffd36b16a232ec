from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from backend.accounts.auth import requires_admin, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.curricula import service
from backend.curricula.schemas import (
    CurriculumCreate,
    CurriculumList,
    CurriculumRead,
    GroupProgress,
)
from backend.lib.types import CurriculumId, GroupId


class CurriculumController(Controller):
    path = "/api/v1/curricula"
    tags = ["curricula"]
    guards = [requires_staff]

    @get("/", summary="List curricula")
    async def list_curricula(self) -> CurriculumList:
        return await service.listing()

    @post(
        "/",
        guards=[requires_admin],
        summary="Create a curriculum (admins)",
        description="Its steps in the order they are taught, each optionally in a module and "
        "following a guide of the guides site (by slug).",
    )
    async def create_curriculum(
        self, user: NamedDependency[CurrentUser], data: JSONBody[CurriculumCreate]
    ) -> CurriculumRead:
        return await service.create(data, user.id)

    @get("/{curriculum_id:int}", summary="One curriculum with its steps in order")
    async def get_curriculum(self, curriculum_id: CurriculumId) -> CurriculumRead:
        return await service.get(curriculum_id)


class GroupProgressController(Controller):
    path = "/api/v1/groups"
    tags = ["curricula"]
    guards = [requires_staff]

    @get(
        "/{group_id:int}/progress",
        summary="Curriculum progress of a group's active members",
        description="Per member, the steps attended (present or late at a session teaching "
        "the step) and the steps missing, in the curriculum's order.",
    )
    async def progress(
        self, user: NamedDependency[CurrentUser], group_id: GroupId
    ) -> GroupProgress:
        return await service.group_progress(user, group_id)
