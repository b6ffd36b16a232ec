from piccolo.columns import (
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.curricula.tables import Curriculum


class Member(Table, tablename="member"):
    """A person who takes part in groups; not necessarily someone with a login."""

    display_name = Varchar(length=120)
    email = Varchar(length=254, null=True, default=None)
    phone = Varchar(length=40, null=True, default=None)
    # The phone in international digits (62812...), for exact matching and chat links.
    phone_key = Varchar(length=20, null=True, default=None)
    created_at = Timestamptz()
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    # The language messages to this person are written in (en, id); null: the reader's.
    language = Varchar(length=8, null=True, default=None)


class Group(Table, tablename="work_group"):
    name = Varchar(length=120)
    description = Text(default="")
    kind = Varchar(length=20)
    # The declared purposes as a bit mask over the six codes (bit n-1 for purpose n), so
    # reports can test coverage with one bitwise AND on both SQLite and PostgreSQL.
    purpose_mask = Integer()
    capacity = Integer()
    timezone = Varchar(length=64)
    phase = Varchar(length=20)
    location = Varchar(length=200, default="")
    created_at = Timestamptz()
    # The curriculum the group follows, if any (its sessions may then be steps of it).
    curriculum = ForeignKey(Curriculum, on_delete=OnDelete.restrict, null=True, default=None)
    # The group's leader (ketua kelompok): one of its active members, or nobody.
    leader = ForeignKey(Member, on_delete=OnDelete.set_null, null=True, default=None)


class GroupFacilitator(Table, tablename="group_facilitator"):
    group = ForeignKey(Group, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, on_delete=OnDelete.restrict, index=True)


class Membership(Table, tablename="membership"):
    """One period of a member in a group: waiting, active, or ended (history is kept)."""

    group = ForeignKey(Group, on_delete=OnDelete.cascade, index=True)
    member = ForeignKey(Member, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=12)  # waitlisted | active | ended
    requested_at = Timestamptz()
    joined_on = Date(null=True, default=None)
    left_on = Date(null=True, default=None)
    consent_given_at = Timestamptz()
    consent_recorded_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
