"""Request and response bodies for sessions, series and calendar links.

Times may be sent with an offset (``2026-03-12T17:00:00Z``) or without one
(``2026-03-12T18:00:00``); a time without an offset is read in the group's time zone.
Responses give every time with the group's local offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from backend.curricula.schemas import StepCode
from backend.domain.vocabulary import ClashReason, SessionStatus
from backend.lib.errors import RuleBroken
from backend.lib.i18n import N_
from backend.lib.types import Input, Location, Output, SingleLine, Topic

MAX_DURATION_MINUTES = 24 * 60

GuideSlug = Annotated[str, Meta(min_length=1, max_length=120)]
RruleText = Annotated[str, Meta(min_length=1, max_length=500)]
DurationMinutes = Annotated[int, Meta(ge=5, le=MAX_DURATION_MINUTES)]
CancelReason = SingleLine
OnConflict = Literal["fail", "skip"]
Scope = Literal["this", "following"]


class SessionCreate(Input):
    """One session (``starts_at`` with ``ends_at`` or ``duration_minutes``) or a series
    (``first_starts_at``, ``duration_minutes`` and an RFC 5545 ``rrule``)."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    first_starts_at: datetime | None = None
    rrule: RruleText | None = None
    duration_minutes: DurationMinutes | None = None
    location: Location | None = None
    topic: Topic = ""
    guide: GuideSlug | None = None
    # A step of the group's curriculum, by code; a series continues with the steps after it
    # (without one, a series of a curriculum group takes the steps not yet planned, in order).
    curriculum_step: StepCode | None = None
    on_conflict: OnConflict = "fail"

    @property
    def is_series(self) -> bool:
        return self.rrule is not None or self.first_starts_at is not None

    def __post_init__(self) -> None:
        if self.is_series:
            if self.starts_at is not None:
                raise RuleBroken(
                    "starts_at", N_("A series starts at first_starts_at, not starts_at.")
                )
            if self.ends_at is not None:
                raise RuleBroken("ends_at", N_("A series takes duration_minutes, not ends_at."))
            if self.first_starts_at is None:
                raise RuleBroken("first_starts_at", N_("A series needs first_starts_at."))
            if self.rrule is None:
                raise RuleBroken(
                    "rrule", N_("A series needs an RRULE (or send starts_at for one).")
                )
            if self.duration_minutes is None:
                raise RuleBroken("duration_minutes", N_("A series needs duration_minutes."))
            return
        if self.starts_at is None:
            raise RuleBroken("starts_at", N_("Send starts_at for one session, or a series."))
        if self.ends_at is None and self.duration_minutes is None:
            raise RuleBroken("ends_at", N_("Send ends_at or duration_minutes."))
        if self.ends_at is not None and self.duration_minutes is not None:
            raise RuleBroken("duration_minutes", N_("Send ends_at or duration_minutes, not both."))


class SessionUpdate(Input):
    """Reschedule, move, retitle, cancel or reinstate a session (or it and the rest of its
    series, with ``scope: "following"``). Fields not sent stay as they are."""

    starts_at: datetime | UnsetType = UNSET
    ends_at: datetime | UnsetType = UNSET
    duration_minutes: DurationMinutes | UnsetType = UNSET
    location: Location | UnsetType = UNSET
    topic: Topic | UnsetType = UNSET
    guide: GuideSlug | UnsetType | None = UNSET
    status: SessionStatus | UnsetType = UNSET
    cancel_reason: CancelReason | UnsetType = UNSET
    curriculum_step: StepCode | UnsetType | None = UNSET
    scope: Scope = "this"

    def __post_init__(self) -> None:
        if self.ends_at is not UNSET and self.duration_minutes is not UNSET:
            raise RuleBroken("duration_minutes", N_("Send ends_at or duration_minutes, not both."))
        if self.curriculum_step is not UNSET and self.scope == "following":
            raise RuleBroken(
                "curriculum_step", N_("Change the step of one session at a time (scope: this).")
            )

    @property
    def changes_time(self) -> bool:
        return (
            self.starts_at is not UNSET
            or self.ends_at is not UNSET
            or self.duration_minutes is not UNSET
        )


class SessionRead(Output):
    id: int
    group_id: int
    group_name: str
    timezone: str
    series_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    cancel_reason: str
    location: str
    topic: str
    guide: str | None
    sequence: int
    # The curriculum step it teaches (code and title), and whether a session before it already
    # taught a later step.
    curriculum_step: str | None = None
    step_title: str | None = None
    step_out_of_order: bool = False


class SessionList(Output):
    items: list[SessionRead]
    total: int


class ClashWith(Output):
    """The session already booked. Its ``session_id`` and ``group_id`` are given only when
    the group is one of the caller's; otherwise just its times."""

    starts_at: datetime
    ends_at: datetime
    session_id: int | UnsetType = UNSET
    group_id: int | UnsetType = UNSET


class Clash(Output):
    """An occurrence that cannot take place: who or what is already booked then."""

    starts_at: datetime
    ends_at: datetime
    clashes_with: ClashWith
    reason: ClashReason


class SessionsCreated(Output):
    sessions: list[SessionRead]
    skipped: list[Clash]


class CalendarLink(Output):
    url: str
    # The same feed for a one-tap subscription in calendar apps (webcal://).
    webcal_url: str
