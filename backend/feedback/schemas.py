"""Members' feedback after a session: what a member sends and reads of their own, and the
aggregates staff read (never who answered what)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.domain.feedback import FEEDBACK_ITEM_CODES
from backend.lib.types import Input, Note, Output, PurposeCode

Rating = Annotated[int, Meta(ge=1, le=5)]
AnswerPurposes = Annotated[
    list[PurposeCode], Meta(max_length=6, extra_json_schema={"extra": {"uniqueItems": True}})
]


# One required field per item of backend.domain.feedback (named by its code), so the schema
# names every item and refuses others.
Ratings = msgspec.defstruct(
    "Ratings",
    [(code.replace("-", "_"), Rating) for code in FEEDBACK_ITEM_CODES],
    bases=(Input,),
    rename={code.replace("-", "_"): str(code) for code in FEEDBACK_ITEM_CODES},
)


class FeedbackInput(Input):
    """Every item rated 1-5, the group's purposes the member felt the session served, and an
    optional comment."""

    ratings: Ratings  # type: ignore[valid-type]
    purposes: AnswerPurposes = msgspec.field(default_factory=list)
    comment: Note | None = None


class FeedbackItemText(Output):
    code: str
    text: str


class PurposeOption(Output):
    code: str
    title: str


class FeedbackAnswer(Output):
    ratings: dict[str, int]
    purposes: list[str]
    comment: str | None
    updated_at: datetime


class MyFeedback(Output):
    session_id: int
    group_name: str
    starts_at: datetime
    timezone: str
    # Answers are taken from the start until this moment.
    open_until: datetime
    # Whether this member may answer now (recorded present or late, within the window).
    can_answer: bool
    items: list[FeedbackItemText]
    purposes: list[PurposeOption]
    answer: FeedbackAnswer | None


class ItemFigures(Output):
    code: str
    text: str
    mean: float
    # How many answers gave 1, 2, 3, 4 and 5.
    distribution: list[int]


class PurposeFigures(Output):
    purpose: str
    # Answers naming the purpose, and records of present or late members the facilitators
    # tagged with it, on the same sessions.
    members: int
    facilitators: int


class FeedbackFigures(Output):
    answers: int
    # False while fewer than ``minimum`` members answered: then nothing else is given.
    shown: bool
    minimum: int
    items: list[ItemFigures]
    purposes: list[PurposeFigures]
    # Present or late records on the rolls of the sessions counted (the tags' denominator).
    attended_records: int
    # Without names, in alphabetical order.
    comments: list[str]


class SessionFeedbackFigures(Output):
    session_id: int
    starts_at: datetime
    figures: FeedbackFigures


class GroupFeedback(Output):
    group_id: int
    figures: FeedbackFigures
    sessions: list[SessionFeedbackFigures]
