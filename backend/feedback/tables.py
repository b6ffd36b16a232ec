from piccolo.columns import ForeignKey, Integer, Text, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.groups.tables import Group, Member
from backend.scheduling.tables import Session


class SessionFeedback(Table, tablename="session_feedback"):
    """One member's answer about one session (one per member and session, changeable within
    the window). Staff read these only in aggregate; the member column serves the member's own
    view, their export and erasure."""

    session = ForeignKey(Session, on_delete=OnDelete.cascade)
    group = ForeignKey(Group, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(Member, on_delete=OnDelete.cascade, index=True)
    ratings = Text()  # JSON: {item code: 1-5}
    purpose_mask = Integer(default=0)
    comment = Text(default="")
    answered_at = Timestamptz()
    updated_at = Timestamptz()
