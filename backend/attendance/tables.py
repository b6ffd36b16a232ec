from piccolo.columns import BigSerial, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.groups.tables import Group, Member
from backend.scheduling.tables import Session


class Attendance(Table, tablename="attendance"):
    id = BigSerial(primary_key=True)
    session = ForeignKey(Session, on_delete=OnDelete.cascade)
    group = ForeignKey(Group, on_delete=OnDelete.cascade)
    member = ForeignKey(Member, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=10)
    participation = Varchar(length=12, null=True, default=None)
    purpose_mask = Integer(default=0)
    note = Text(null=True, default=None)  # confidential: facilitators and admins only
    # Why an excused member is away (backend.domain AbsenceReason), when known.
    absence_reason = Varchar(length=12, null=True, default=None)
    updated_at = Timestamptz()
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)


class AttendanceAudit(Table, tablename="attendance_audit"):
    id = BigSerial(primary_key=True)
    session = ForeignKey(Session, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(Member, on_delete=OnDelete.cascade)
    changed_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    changed_at = Timestamptz()
    before = Text(null=True, default=None)  # JSON of the record before, or null when created
    after = Text(null=True, default=None)  # JSON of the record after, or null when removed
