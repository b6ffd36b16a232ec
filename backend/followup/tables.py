from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.groups.tables import Group, Member


class FollowUpContact(Table, tablename="follow_up_contact"):
    """One contact with a member on the follow-up list: who made it, when, and what came of
    it. Rows are only ever added, never changed: together they are the follow-up's audit."""

    group = ForeignKey(Group, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(Member, on_delete=OnDelete.cascade, index=True)
    contacted_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    contacted_at = Timestamptz()
    outcome = Varchar(length=12)  # reached | no-answer | moved-away | other
    note = Text(default="")
