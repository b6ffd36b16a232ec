from __future__ import annotations

from functools import lru_cache

import msgspec
from litestar import Controller, Response, get

from backend.domain.vocabulary import PURPOSES
from backend.lib.types import Output


class PurposeRead(Output):
    code: str
    number: int
    title: str
    summary: str


@lru_cache(maxsize=4)
def purposes_json(language: str) -> bytes:
    """The six purposes, encoded once per language: the list never changes while serving."""
    return msgspec.json.encode(
        [
            PurposeRead(
                code=p.code,
                number=p.number,
                title=p.title_id if language == "id" else p.title,
                summary=p.summary_id if language == "id" else p.summary,
            )
            for p in PURPOSES
        ]
    )


class PurposeController(Controller):
    path = "/api/v1/purposes"
    tags = ["reference"]
    opt = {"exclude_from_csrf": True}

    @get(
        "/",
        summary="The six Toseland-Rivas group purposes, in the source's order",
        response_headers={"Cache-Control": "public, max-age=3600"},
    )
    async def list_purposes(self) -> Response[list[PurposeRead]]:
        return Response(purposes_json("en"), media_type="application/json")
