"""Roll calls, their audit trail, and a member's own attendance.

Nothing a member receives carries a ``note`` field: :class:`MemberRecord` and
:class:`MemberSummary` are separate structs from the staff-only :class:`RollRecord`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.domain.vocabulary import (
    AbsenceReason,
    AttendanceStatus,
    Participation,
    SessionStatus,
)
from backend.lib.types import Id, Input, Note, Output, PurposeCode

RecordPurposes = Annotated[
    list[PurposeCode], Meta(max_length=6, extra_json_schema={"extra": {"uniqueItems": True}})
]


class RollRecordInput(Input):
    member_id: Id
    status: AttendanceStatus
    participation: Participation | None = None
    purposes: RecordPurposes = msgspec.field(default_factory=list)
    note: Note | None = None
    # Excused members only: why they are away.
    reason: AbsenceReason | None = None


class RollInput(Input):
    """The whole roll of one session: members left out of a repeated roll lose their record."""

    records: Annotated[list[RollRecordInput], Meta(max_length=500)]


class RollRecord(Output):
    member_id: int
    display_name: str
    status: AttendanceStatus
    participation: Participation | None
    purposes: list[str]
    note: str | None
    reason: AbsenceReason | None
    updated_at: datetime
    updated_by: int | None


class Roll(Output):
    session_id: int
    group_id: int
    starts_at: datetime
    session_status: SessionStatus
    roll_taken_at: datetime | None
    records: list[RollRecord]


class AuditEntry(Output):
    id: int
    member_id: int
    display_name: str
    changed_by: int | None
    changed_by_name: str | None
    changed_at: datetime
    # The record before and after the change (``null`` when created or removed). Staff only:
    # it includes the confidential note.
    before: dict | None
    after: dict | None


class History(Output):
    session_id: int
    entries: list[AuditEntry]


class MemberRecord(Output):
    session_id: int
    group_id: int
    starts_at: datetime
    status: AttendanceStatus
    participation: Participation | None
    purposes: list[str]
    reason: AbsenceReason | None


class AbsenceInput(Input):
    """A member saying ahead that they cannot come, and why."""

    reason: AbsenceReason


class AbsenceAhead(Output):
    """A member's absence excused ahead of a session (``reason`` null once withdrawn)."""

    session_id: int
    status: AttendanceStatus | None
    reason: AbsenceReason | None


class MemberSummary(Output):
    held: int
    present: int
    late: int
    excused: int
    absent: int
    # (present + late) / held, rounded to 4 decimals; null when no session was held.
    attendance_rate: float | None
    current_absence_streak: int


class MemberAttendance(Output):
    records: list[MemberRecord]
    summary: MemberSummary
