from __future__ import annotations

from datetime import date, datetime

import msgspec

from backend.feedback.schemas import GroupFeedback
from backend.lib.types import Output


class MemberFigures(Output):
    member_id: int
    display_name: str
    held: int
    present: int
    late: int
    excused: int
    absent: int
    attendance_rate: float | None  # (present + late) / held; null when held == 0
    absence_streak: int


class SessionFigures(Output):
    session_id: int
    starts_at: datetime
    present: int
    late: int
    excused: int
    absent: int
    attendance_rate: float | None


class PurposeMember(Output):
    member_id: int
    sessions: int


class PurposeCoverage(Output):
    purpose: str
    sessions_served: int
    share: float | None  # sessions_served / held_sessions; null when no session was held
    members: list[PurposeMember]


class FollowUp(Output):
    member_id: int
    display_name: str
    # "absence-streak": absent from the last two or more held sessions in a row;
    # "low-recent-rate": attended fewer than half of their last (up to) four held sessions,
    # excused ones set aside (see backend.followup.service.reasons).
    reasons: list[str]
    absence_streak: int
    recent_held: int
    recent_attended: int
    recent_excused: int = 0


class GroupReport(Output):
    group_id: int
    from_: date | None = msgspec.field(name="from")
    to: date | None
    held_sessions: int
    awaiting_roll_call: int
    members: list[MemberFigures]
    sessions: list[SessionFigures]
    purpose_coverage: list[PurposeCoverage]
    follow_up: list[FollowUp]
    # Members' feedback on the period's sessions, in aggregate only (from 3 answers).
    feedback: GroupFeedback | None = None


class StatusCounts(Output):
    present: int
    late: int
    excused: int
    absent: int
    # Excused absences by reason (sick, permission, other) and those given none.
    reasons: dict[str, int]


class MonthSession(Output):
    session_id: int
    starts_at: datetime
    status: str
    held: bool
    topic: str
    curriculum_step: str | None
    step_title: str | None
    counts: StatusCounts


class Person(Output):
    id: int
    display_name: str


class MonthReport(Output):
    """A group's month, as a programme's monthly report asks for it: every session (held
    sessions with their counts), the totals, the leader and the facilitators."""

    group_id: int
    group_name: str
    month: str
    timezone: str
    leader: Person | None
    facilitators: list[Person]
    curriculum_id: int | None
    sessions: list[MonthSession]
    sessions_planned: int
    sessions_held: int
    totals: StatusCounts
    # Distinct members present or late at least once in the month.
    members_attending: int
    steps_taught: list[str]
