from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User


class Curriculum(Table, tablename="curriculum"):
    """A fixed programme of sessions, in one language."""

    name = Varchar(length=200)
    language = Varchar(length=8)
    created_at = Timestamptz()
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)


class CurriculumStep(Table, tablename="curriculum_step"):
    """One step of a curriculum, at its place in the order (``position`` from 1)."""

    curriculum = ForeignKey(Curriculum, on_delete=OnDelete.cascade, index=True)
    position = Integer()
    code = Varchar(length=32)
    title = Varchar(length=200)
    module = Varchar(length=200, null=True, default=None)
    guide = Varchar(length=100, null=True, default=None)
