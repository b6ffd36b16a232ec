from __future__ import annotations

from litestar import Controller, get

from backend.domain.vocabulary import PURPOSES
from backend.lib.types import Output


class PurposeRead(Output):
    code: str
    number: int
    title: str
    summary: str


class PurposeController(Controller):
    path = "/api/v1/purposes"
    tags = ["reference"]

    @get("/", summary="The six Toseland-Rivas group purposes, in the source's order", cache=3600)
    async def list_purposes(self) -> list[PurposeRead]:
        return [
            PurposeRead(code=p.code, number=p.number, title=p.title, summary=p.summary)
            for p in PURPOSES
        ]
