from __future__ import annotations

from functools import lru_cache

import msgspec
from litestar import Controller, Request, Response, get

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
                title=p.title_in(language),
                summary=p.summary_in(language),
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
        description="Titles and summaries in the reader's language: `?lang=` (en, id), else "
        "the saved choice of a logged-in user, else `Accept-Language`.",
        response_headers={"Cache-Control": "public, max-age=3600", "Vary": "Accept-Language"},
    )
    async def list_purposes(self, request: Request) -> Response[list[PurposeRead]]:
        language = request.scope.get("language", "en")
        return Response(
            purposes_json(language),
            media_type="application/json",
            headers={"Content-Language": language},
        )
