"""The kept attendance figures (a read model of attendance, memberships and sessions).

They are derived from the source tables by :mod:`backend.figures.service`, in the transaction
that changes the source; ``lingkar rebuild-figures`` recomputes them from scratch.
"""

from piccolo.columns import BigSerial, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.groups.tables import Group, Member
from backend.scheduling.tables import Session


class AttendanceFact(Table, tablename="attendance_fact"):
    """One row per held session and member who counts for it, with the effective status
    (absent when the roll has no record), and running totals over the member's held sessions
    in the group, in time order, so any period's figures are the difference of two rows."""

    id = BigSerial(primary_key=True)
    session = ForeignKey(Session, on_delete=OnDelete.cascade)
    group = ForeignKey(Group, on_delete=OnDelete.cascade)
    member = ForeignKey(Member, on_delete=OnDelete.cascade)
    starts_at = Timestamptz()
    status = Varchar(length=10)
    participation = Varchar(length=12, null=True, default=None)
    purpose_mask = Integer(default=0)
    # Position among the member's counting held sessions of the group (1, 2, ...).
    seq = Integer()
    c_present = Integer()
    c_late = Integer()
    c_excused = Integer()
    c_absent = Integer()
    # Held sessions in a row, ending here, with the effective status absent.
    absent_run = Integer()
    # Attended (present or late) flags of this and the three sessions before: bit 0 = this one.
    recent_bits = Integer()
    # Attended sessions whose participation served purpose n (bit n-1 of the mask).
    c_served_1 = Integer()
    c_served_2 = Integer()
    c_served_3 = Integer()
    c_served_4 = Integer()
    c_served_5 = Integer()
    c_served_6 = Integer()


class MemberGroupFigures(Table, tablename="member_group_figures"):
    """A member's whole history in one group: the values of their latest fact row."""

    group = ForeignKey(Group, on_delete=OnDelete.cascade)
    member = ForeignKey(Member, on_delete=OnDelete.cascade)
    held = Integer()
    present = Integer()
    late = Integer()
    excused = Integer()
    absent = Integer()
    absence_streak = Integer()
    recent_held = Integer()
    recent_attended = Integer()
    last_held_at = Timestamptz()


class SessionFigures(Table, tablename="session_figures"):
    """The counts of one held session over the members who count for it."""

    session = ForeignKey(Session, on_delete=OnDelete.cascade)
    group = ForeignKey(Group, on_delete=OnDelete.cascade)
    starts_at = Timestamptz()
    counted = Integer()
    present = Integer()
    late = Integer()
    excused = Integer()
    absent = Integer()
    # Purposes served by at least one attending member's participation.
    served_mask = Integer()
