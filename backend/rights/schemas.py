"""A member's own data (export), and what an erasure or a retention run did."""

from __future__ import annotations

from datetime import date, datetime

from backend.attendance.schemas import MemberAttendance
from backend.feedback.schemas import FeedbackAnswer
from backend.lib.types import Output
from backend.scheduling.schemas import SessionRead


class Profile(Output):
    id: int
    display_name: str
    email: str | None
    phone: str | None
    language: str | None
    login_email: str | None
    created_at: datetime


class MembershipRecord(Output):
    group_id: int
    group_name: str
    status: str
    joined_on: date | None
    left_on: date | None
    consent_given_at: datetime


class FeedbackRecord(Output):
    session_id: int
    answer: FeedbackAnswer
    answered_at: datetime


class MyData(Output):
    """Everything Lingkar holds about the member that is theirs: nothing about other people,
    no facilitator's note."""

    exported_at: datetime
    profile: Profile
    memberships: list[MembershipRecord]
    sessions: list[SessionRead]
    attendance: MemberAttendance
    feedback: list[FeedbackRecord]


class Erasure(Output):
    member_id: int
    # False when the member had been erased before (nothing more to remove).
    erased_now: bool
    login_removed: bool
    notes_removed: int
    contact_notes_removed: int
    comments_removed: int
    audit_entries_scrubbed: int


class RetentionRun(Output):
    # Unset: members are kept; nothing was done.
    years: int | None
    cutoff: date | None
    erased: list[Erasure]
