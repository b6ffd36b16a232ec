from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User


class RightsAudit(Table, tablename="rights_audit"):
    """Every erasure and retention run: what was done and by whom, never the erased values."""

    action = Varchar(length=16)  # erase | retention
    member_id = Integer(null=True, default=None)  # the erased member (no reference: kept as is)
    acted_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    acted_at = Timestamptz()
    detail = Text(default="")  # JSON: counts of what was removed
