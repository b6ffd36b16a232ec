from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from backend.domain.vocabulary import GroupKind, Language, MembershipStatus, Phase
from backend.lib.errors import RuleBroken
from backend.lib.i18n import N_
from backend.lib.types import (
    MAX_ID,
    Capacity,
    Description,
    Email,
    Id,
    Input,
    Location,
    Name,
    Output,
    Password,
    Phone,
    Purposes,
    TimeZoneName,
    place_timezones,
)

FacilitatorIds = Annotated[
    list[Id],
    Meta(
        max_length=10,
        extra_json_schema={
            "extra": {"items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
        },
    ),
]


def check_timezone(name: str) -> None:
    if name not in place_timezones():
        raise ValueError(
            f"timezone: unknown time zone {name!r}; use an IANA name such as Asia/Jakarta"
        )


def check_distinct(values: list, what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{what}: must not repeat a value")


class MemberCreate(Input):
    display_name: Name
    email: Email | None = None
    phone: Phone | None = None
    password: Password | None = None
    # The language messages to this person are written in (a follow-up message, say).
    language: Language | None = None

    def __post_init__(self) -> None:
        if self.password is not None and self.email is None:
            raise RuleBroken(
                "email", N_("A member who can log in needs an email as well as a password.")
            )


class MemberRead(Output):
    """A member; found by an exact email or phone outside one's groups, only ``id`` and
    ``display_name`` are given."""

    id: int
    display_name: str
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    has_login: bool | UnsetType = UNSET
    created_at: datetime | UnsetType = UNSET


class MemberList(Output):
    items: list[MemberRead]
    total: int


class GroupCreate(Input):
    name: Name
    kind: GroupKind
    purposes: Purposes
    capacity: Capacity
    timezone: TimeZoneName
    description: Description = ""
    phase: Phase = Phase.ENGAGEMENT
    location: Location = ""
    facilitator_ids: FacilitatorIds = msgspec.field(default_factory=list)
    curriculum_id: Id | None = None

    def __post_init__(self) -> None:
        check_distinct(self.purposes, "purposes")
        check_timezone(self.timezone)


class GroupUpdate(Input):
    name: Name | UnsetType = UNSET
    kind: GroupKind | UnsetType = UNSET
    purposes: Purposes | UnsetType = UNSET
    capacity: Capacity | UnsetType = UNSET
    timezone: TimeZoneName | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    phase: Phase | UnsetType = UNSET
    location: Location | UnsetType = UNSET
    facilitator_ids: FacilitatorIds | UnsetType = UNSET
    # null: the group follows no curriculum (refused while a session is one of its steps).
    curriculum_id: Id | UnsetType | None = UNSET
    # One of the group's active members (null: no leader).
    leader_member_id: Id | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        if self.purposes is not UNSET:
            check_distinct(self.purposes, "purposes")
        if self.timezone is not UNSET:
            check_timezone(self.timezone)


class GroupRead(Output):
    id: int
    name: str
    description: str
    kind: str
    purposes: list[str]
    capacity: int
    timezone: str
    phase: str
    location: str
    facilitator_ids: list[int]
    active_count: int
    waitlist_count: int
    curriculum_id: int | None
    leader_member_id: int | None


class GroupList(Output):
    items: list[GroupRead]
    total: int


class EnrolmentCreate(Input):
    """Enrol a member by id (one of yours), or a person on record by their exact email or
    phone. ``joined_on`` may be in the past (the first session they count for), not the
    future."""

    consent_given: bool
    member_id: Id | None = None
    email: Email | None = None
    phone: Phone | None = None
    joined_on: date | None = None

    def __post_init__(self) -> None:
        given = [f for f in ("member_id", "email", "phone") if getattr(self, f) is not None]
        if len(given) != 1:
            raise RuleBroken("member_id", N_("Name the member by member_id, email or phone (one)."))


class NewPersonEnrolment(Input):
    """A person not yet on record, enrolled as they are added (one step, all or nothing)."""

    person: MemberCreate
    consent_given: bool
    joined_on: date | None = None


class EnrolmentRead(Output):
    member_id: int
    status: MembershipStatus
    waitlist_position: int | None


class RosterEntry(Output):
    member_id: int
    display_name: str
    status: MembershipStatus
    joined_on: date | None
    waitlist_position: int | None
    consent_given_at: datetime


class Roster(Output):
    active: list[RosterEntry]
    waitlist: list[RosterEntry]
