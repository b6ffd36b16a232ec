"""Constrained field types shared by the request structs of every feature."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import Parameter
from msgspec import Meta

from backend.domain.vocabulary import PurposeCode

__all__ = ["PurposeCode"]

Id = Annotated[int, Meta(ge=1, le=2**62)]
Name = Annotated[str, Meta(min_length=1, max_length=120)]
Email = Annotated[str, Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Phone = Annotated[str, Meta(min_length=3, max_length=40, pattern=r"^[0-9+() .\-]+$")]
Description = Annotated[str, Meta(max_length=4000)]
Location = Annotated[str, Meta(max_length=200)]
Capacity = Annotated[int, Meta(ge=2, le=50)]
TimeZoneName = Annotated[str, Meta(min_length=1, max_length=64)]
Purposes = Annotated[list[PurposeCode], Meta(min_length=1, max_length=6)]
Note = Annotated[str, Meta(max_length=2000)]
Limit = Annotated[int, Meta(ge=1, le=500)]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: unknown fields are an error, not silently dropped."""


class Output(msgspec.Struct, kw_only=True):
    """Base of every response body."""


# Query parameters shared by every paginated list.
OffsetParam = Annotated[int, Parameter(ge=0, le=1_000_000_000, description="Rows to skip")]
LimitParam = Annotated[int, Parameter(ge=1, le=500, description="Rows to return (1-500)")]
