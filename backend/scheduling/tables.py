from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.curricula.tables import CurriculumStep
from backend.domain.vocabulary import SessionStatus
from backend.groups.tables import Group, Member


class Series(Table, tablename="session_series"):
    group = ForeignKey(Group, on_delete=OnDelete.cascade, index=True)
    rrule = Text()
    first_starts_at = Timestamptz()
    duration_minutes = Integer()
    created_at = Timestamptz()
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)


class Session(Table, tablename="group_session"):
    group = ForeignKey(Group, on_delete=OnDelete.cascade, index=True)
    series = ForeignKey(Series, on_delete=OnDelete.set_null, null=True, index=True)
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    status = Varchar(length=12, default=SessionStatus.SCHEDULED.value)
    cancel_reason = Text(default="")
    location = Varchar(length=200, default="")
    topic = Varchar(length=200, default="")
    guide = Varchar(length=120, null=True, default=None)
    sequence = Integer(default=0)
    roll_taken_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()
    # The step of the group's curriculum this session teaches, if any.
    curriculum_step = ForeignKey(
        CurriculumStep, on_delete=OnDelete.set_null, null=True, default=None, index=True
    )


class CalendarToken(Table, tablename="calendar_token"):
    """The secret in a member's private calendar feed URL; revoking deletes it."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, unique=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
