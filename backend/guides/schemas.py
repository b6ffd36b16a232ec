from __future__ import annotations

from backend.lib.types import Output


class GroupSize(Output):
    min: int
    max: int


class GuideRead(Output):
    slug: str
    lang: str
    title: str
    summary: str
    purposes: list[str]
    phase: str
    kinds: list[str]
    duration_minutes: int
    group_size: GroupSize
    materials: list[str]
    url: str
