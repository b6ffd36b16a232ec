from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta

from backend.domain.vocabulary import Language
from backend.lib.types import SINGLE_LINE_PATTERN, Input, Output, Title

# Letters, digits, ".", "_" and "-", as in the guides site's programme templates (M1, S3).
StepCode = Annotated[
    str, Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
ModuleTitle = Annotated[str, Meta(max_length=200, pattern=SINGLE_LINE_PATTERN)]
GuideSlug = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
MAX_STEPS = 200


class StepInput(Input):
    code: StepCode
    title: Title
    module: ModuleTitle | None = None
    guide: GuideSlug | None = None


class CurriculumCreate(Input):
    """A curriculum: its steps in the order they are taught."""

    name: Title
    language: Language
    steps: Annotated[list[StepInput], Meta(min_length=1, max_length=MAX_STEPS)]


class StepRead(Output):
    position: int
    code: str
    title: str
    module: str | None
    guide: str | None


class CurriculumRead(Output):
    id: int
    name: str
    language: Language
    created_at: datetime
    steps: list[StepRead]


class CurriculumSummary(Output):
    id: int
    name: str
    language: Language
    step_count: int


class CurriculumList(Output):
    items: list[CurriculumSummary]


class MemberProgress(Output):
    member_id: int
    display_name: str
    # Step codes, in the curriculum's order.
    completed: list[str]
    missing: list[str]


class GroupProgress(Output):
    """Per active member, the steps attended (present or late at a session teaching them)
    and the steps still missing; empty when the group follows no curriculum."""

    group_id: int
    curriculum_id: int | None
    steps: list[StepRead]
    members: list[MemberProgress]
