from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.groups.tables import Member


class ReminderSent(Table, tablename="reminder_sent"):
    """One email reminder (``key``: what and for whom, unique), claimed by one sender before
    it is sent, so it goes at most once across workers and restarts. A failed send releases
    the claim for a later attempt; a sender that dies mid-send leaves it claimed (never sent
    twice)."""

    key = Varchar(length=120)
    kind = Varchar(length=16)
    claim = Varchar(length=40, null=True, default=None)
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_error = Text(default="")


class ReminderOptOut(Table, tablename="reminder_opt_out"):
    """A member (by their record) or a staff account that wants no email reminders."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=True)
    created_at = Timestamptz()
