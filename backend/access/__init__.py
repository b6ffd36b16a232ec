"""Who may see and change what. Every service and page asks here; nothing else decides.

* **Admins** see and manage every group and every member.
* **Facilitators** see and manage the groups they facilitate, and the members who are, were
  or wait to be in those groups (anyone else only through an exact email or phone match).
* **Members** see their own sessions and attendance only (their services take the member id
  from the login, never from the request).

A group, session or member outside what a user may see is "not found" (404): its existence is
not revealed. The answers are SQL conditions (:class:`GroupScope`) so a list is filtered in the
same statement that reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from backend.access import queries
from backend.accounts.schemas import CurrentUser
from backend.db import Connection, convert
from backend.db.sql import POSTGRES, cached
from backend.domain.vocabulary import MembershipStatus, Role
from backend.lib.errors import NotFound
from backend.lib.i18n import N_


@dataclass(frozen=True, slots=True)
class GroupScope:
    """The groups a user reaches, as a condition on a group-id column plus its values."""

    condition: str
    args: tuple[Any, ...]

    def on(self, column: str) -> str:
        return self.condition.replace(queries.GROUP_ID, column)

    @property
    def everything(self) -> bool:
        return self.condition == queries.EVERY_GROUP


def group_scope(user: CurrentUser) -> GroupScope:
    """The groups ``user`` may see and manage."""
    if user.role == Role.ADMIN:
        return GroupScope(queries.EVERY_GROUP, ())
    if user.role == Role.FACILITATOR:
        return GroupScope(queries.FACILITATED_GROUPS, (user.id,))
    return GroupScope(queries.NO_GROUP, ())


class GroupRef(msgspec.Struct, frozen=True):
    id: int
    name: str
    timezone: str
    purpose_mask: int
    capacity: int
    location: str
    curriculum_id: int | None = None


class SessionRef(msgspec.Struct, frozen=True):
    id: int
    group_id: int
    group_name: str
    timezone: str
    purpose_mask: int
    starts_at: datetime
    ends_at: datetime
    status: str
    roll_taken_at: datetime | None


async def group(db: Connection, user: CurrentUser, group_id: int) -> GroupRef:
    """The group, if ``user`` may manage it; otherwise 404."""
    scope = group_scope(user)
    row = await db.fetch_one(cached(queries.GROUP_REF + scope.on("g.id")), group_id, *scope.args)
    if row is None:
        raise NotFound(N_("No group with id {id} among yours."), params={"id": group_id})
    return convert(row, GroupRef)


async def session(
    db: Connection, user: CurrentUser, session_id: int, *, lock: bool = False
) -> SessionRef:
    """The session, if ``user`` may manage its group; otherwise 404. ``lock`` holds the
    session's row until the transaction ends (PostgreSQL; SQLite writers are serial)."""
    scope = group_scope(user)
    row = await db.fetch_one(
        cached(queries.SESSION_REF + scope.on('s."group"')), session_id, *scope.args
    )
    if row is None:
        raise NotFound(N_("No session with id {id} among your groups."), params={"id": session_id})
    if lock and db.dialect == POSTGRES:
        await db.fetch(queries.SESSION_LOCK, session_id)
    return convert(row, SessionRef)


async def own_session(
    db: Connection, user: CurrentUser, session_id: int, *, lock: bool = False
) -> SessionRef:
    """A session of a group in which the user's own member record is active; otherwise 404
    (staff accounts without a member record reach none this way)."""
    row = None
    if user.member_id is not None:
        row = await db.fetch_one(
            queries.OWN_SESSION_REF, session_id, user.member_id, MembershipStatus.ACTIVE.value
        )
    if row is None:
        raise NotFound(N_("No session with id {id} among your groups."), params={"id": session_id})
    if lock and db.dialect == POSTGRES:
        await db.fetch(queries.SESSION_LOCK, session_id)
    return convert(row, SessionRef)


@dataclass(frozen=True, slots=True)
class MemberScope:
    """The members a user may see, as a condition on the member table aliased ``m``."""

    condition: str
    args: tuple[Any, ...]


def member_scope(user: CurrentUser) -> MemberScope:
    """Admins: everyone. Facilitators: the members who are, were or wait to be in one of their
    groups, and the people they added themselves."""
    groups = group_scope(user)
    if groups.everything:
        return MemberScope(queries.EVERY_GROUP, ())
    if user.role != Role.FACILITATOR:
        return MemberScope(queries.NO_GROUP, ())
    condition = queries.VISIBLE_MEMBER.replace("GROUPS", groups.on('ms."group"'))
    return MemberScope(condition, (user.id, *groups.args))


async def member(db: Connection, user: CurrentUser, member_id: int) -> None:
    """404 unless ``user`` may see the member (see :func:`member_scope`)."""
    scope = member_scope(user)
    found = await db.fetch_one(
        cached(queries.MEMBER_VISIBLE + scope.condition), member_id, *scope.args
    )
    if found is None:
        raise NotFound(N_("No member with id {id} in your groups."), params={"id": member_id})


async def member_group_ids(db: Connection, user: CurrentUser, member_id: int) -> list[int]:
    """The groups the member is, was or waits to be in that ``user`` may see."""
    scope = group_scope(user)
    rows = await db.fetch(
        cached(queries.MEMBER_GROUP_IDS + scope.on('ms."group"') + " ORDER BY 1"),
        member_id,
        *scope.args,
    )
    return [r["group_id"] for r in rows]
