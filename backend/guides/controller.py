from __future__ import annotations

from typing import Literal

from litestar import Controller, get
from litestar.params import FromQuery

from backend.domain.vocabulary import GroupKind, Phase
from backend.guides import service
from backend.guides.schemas import GuideRead
from backend.lib.types import PurposeCode


class GuideController(Controller):
    path = "/api/v1/guides"
    tags = ["reference"]
    opt = {"exclude_from_csrf": True}

    @get("/", summary="Facilitator guides, filtered by purpose, phase, kind and language")
    async def list_guides(
        self,
        purpose: FromQuery[PurposeCode | None] = None,
        phase: FromQuery[Phase | None] = None,
        kind: FromQuery[GroupKind | None] = None,
        lang: FromQuery[Literal["en", "id"] | None] = None,
    ) -> list[GuideRead]:
        return service.find_guides(purpose=purpose, phase=phase, kind=kind, lang=lang)
