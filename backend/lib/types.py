"""Constrained field types shared by the request structs of every feature.

Text that people type is checked here once: single-line text (names, topics, places) refuses
control characters, and a name must hold more than spaces; multi-line text (descriptions,
notes) allows line breaks and tabs only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

import msgspec
from litestar.params import Parameter, PathParameter
from msgspec import Meta

from backend.domain.vocabulary import PurposeCode

__all__ = ["PurposeCode"]

# Ids fit a JavaScript number (and JSON readers that use doubles) exactly.
MAX_ID = 2**53 - 1

# Control characters (C0, DEL, C1). Lone UTF-16 surrogates never get this far: the JSON
# decoder refuses them, and form decoding replaces what is not UTF-8.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
_VISIBLE = r"^(?=.*\S)[^\x00-\x1f\x7f-\x9f]*$"
_MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"

Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Name = Annotated[str, Meta(min_length=1, max_length=120, pattern=_VISIBLE)]
Title = Annotated[str, Meta(min_length=1, max_length=200, pattern=_VISIBLE)]
# Explicit classes rather than \s: Python's and JavaScript's regular expressions (the schema's
# readers) disagree on which control characters \s covers.
_EMAIL_PART = r"[^@\x00-\x20\x7f-\x9f]+"
EMAIL_PATTERN = rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$"
Email = Annotated[str, Meta(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Phone = Annotated[str, Meta(min_length=3, max_length=40, pattern=r"^[0-9+() .\-]+$")]
Description = Annotated[str, Meta(max_length=4000, pattern=_MULTI_LINE)]
Location = Annotated[str, Meta(max_length=200, pattern=SINGLE_LINE_PATTERN)]
Topic = Annotated[str, Meta(max_length=200, pattern=SINGLE_LINE_PATTERN)]
SingleLine = Annotated[str, Meta(max_length=500, pattern=SINGLE_LINE_PATTERN)]
Capacity = Annotated[int, Meta(ge=2, le=50)]
# Names in the time-zone database that are not places: aliases of the machine's own zone,
# the legacy "right/" (leap-second) and "posix/" trees, and placeholders.
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def place_timezones() -> frozenset[str]:
    """The IANA zones a group can be in."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_PLACES and not name.startswith(("right/", "posix/"))
    )


TimeZoneName = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        extra_json_schema={"extra": {"enum": sorted(place_timezones())}},
    ),
]
Purposes = Annotated[
    list[PurposeCode],
    Meta(min_length=1, max_length=6, extra_json_schema={"extra": {"uniqueItems": True}}),
]
Note = Annotated[str, Meta(max_length=2000, pattern=_MULTI_LINE)]
Limit = Annotated[int, Meta(ge=1, le=500)]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: unknown fields are an error, not silently dropped."""


class Output(msgspec.Struct, kw_only=True):
    """Base of every response body."""


# Query and path parameters shared by every route.
OffsetParam = Annotated[int, Parameter(ge=0, le=1_000_000_000, description="Rows to skip")]
LimitParam = Annotated[int, Parameter(ge=1, le=500, description="Rows to return (1-500)")]
GroupId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The group's id")]
MemberId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The member's id")]
SessionId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The session's id")]
UserId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The account's id")]
CurriculumId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The curriculum's id")]
