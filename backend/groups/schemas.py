from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec import UNSET, Meta, UnsetType

from backend.lib.types import (
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
)

GroupKindName = Literal[
    "support", "education", "growth", "therapy", "socialization", "task", "self-help"
]
PhaseName = Literal[
    "engagement",
    "assessment",
    "planning",
    "intervention",
    "monitoring",
    "evaluation",
    "termination",
]
FacilitatorIds = Annotated[list[Id], Meta(max_length=10)]


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"timezone: unknown time zone {name!r}; use an IANA name such as Asia/Jakarta"
        ) from exc


def check_distinct(values: list, what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{what}: must not repeat a value")


class MemberCreate(Input):
    display_name: Name
    email: Email | None = None
    phone: Phone | None = None
    password: Password | None = None

    def __post_init__(self) -> None:
        if self.password is not None and self.email is None:
            raise ValueError("email: a member who can log in needs an email as well as a password")


class MemberRead(Output):
    id: int
    display_name: str
    email: str | None
    phone: str | None
    has_login: bool
    created_at: datetime


class MemberList(Output):
    items: list[MemberRead]
    total: int


class GroupCreate(Input):
    name: Name
    kind: GroupKindName
    purposes: Purposes
    capacity: Capacity
    timezone: TimeZoneName
    description: Description = ""
    phase: PhaseName = "engagement"
    location: Location = ""
    facilitator_ids: FacilitatorIds = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        check_distinct(self.purposes, "purposes")
        check_timezone(self.timezone)


class GroupUpdate(Input):
    name: Name | UnsetType = UNSET
    kind: GroupKindName | UnsetType = UNSET
    purposes: Purposes | UnsetType = UNSET
    capacity: Capacity | UnsetType = UNSET
    timezone: TimeZoneName | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    phase: PhaseName | UnsetType = UNSET
    location: Location | UnsetType = UNSET
    facilitator_ids: FacilitatorIds | UnsetType = UNSET

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


class GroupList(Output):
    items: list[GroupRead]
    total: int


class EnrolmentCreate(Input):
    member_id: Id
    consent_given: bool
    joined_on: date | None = None


class EnrolmentRead(Output):
    member_id: int
    status: Literal["active", "waitlisted"]
    waitlist_position: int | None


class RosterEntry(Output):
    member_id: int
    display_name: str
    status: Literal["active", "waitlisted"]
    joined_on: date | None
    waitlist_position: int | None
    consent_given_at: datetime


class Roster(Output):
    active: list[RosterEntry]
    waitlist: list[RosterEntry]
