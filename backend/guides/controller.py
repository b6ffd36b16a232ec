from __future__ import annotations

from typing import Literal

from litestar import Controller, get

from backend.groups.schemas import GroupKindName, PhaseName
from backend.guides import service
from backend.guides.schemas import GuideRead
from backend.lib.types import PurposeCode


class GuideController(Controller):
    path = "/api/v1/guides"
    tags = ["reference"]

    @get("/", summary="Facilitator guides, filtered by purpose, phase, kind and language")
    async def list_guides(
        self,
        purpose: PurposeCode | None = None,
        phase: PhaseName | None = None,
        kind: GroupKindName | None = None,
        lang: Literal["en", "id"] | None = None,
    ) -> list[GuideRead]:
        return service.find_guides(purpose=purpose, phase=phase, kind=kind, lang=lang)
