"""Members, groups, facilitators and enrolment (with consent, capacity and the waiting list)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from msgspec import UNSET

from backend.accounts import service as accounts
from backend.accounts.schemas import CurrentUser
from backend.accounts.tables import User
from backend.db.engine import write_transaction
from backend.db.schema import current_engine
from backend.groups.schemas import (
    EnrolmentCreate,
    EnrolmentRead,
    GroupCreate,
    GroupList,
    GroupRead,
    GroupUpdate,
    MemberCreate,
    MemberList,
    MemberRead,
    Roster,
    RosterEntry,
)
from backend.groups.tables import Group, GroupFacilitator, Member, Membership
from backend.lib.errors import Conflict, Invalid, NotFound
from backend.lib.purposes import from_mask, to_mask

ACTIVE, WAITLISTED, ENDED = "active", "waitlisted", "ended"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


# ---------------------------------------------------------------------------- members


def _member_read(row: dict[str, Any]) -> MemberRead:
    return MemberRead(
        id=row["id"],
        display_name=row["display_name"],
        email=row["email"],
        phone=row["phone"],
        has_login=bool(row.get("has_login")),
        created_at=row["created_at"],
    )


async def create_member(data: MemberCreate) -> MemberRead:
    async with write_transaction(current_engine()):
        rows = await Member.insert(
            Member(
                display_name=data.display_name,
                email=data.email.strip().lower() if data.email else None,
                phone=data.phone,
                created_at=now(),
            )
        ).returning(*Member.all_columns())
        row = dict(rows[0])
        if data.password is not None and data.email is not None:
            await accounts.create_user(
                email=data.email,
                display_name=data.display_name,
                role="member",
                password=data.password,
                member_id=row["id"],
            )
            row["has_login"] = True
    return _member_read(row)


_MEMBER_SELECT = (
    "SELECT m.id, m.display_name, m.email, m.phone, m.created_at, "
    "EXISTS (SELECT 1 FROM app_user u WHERE u.member = m.id) AS has_login FROM member m"
)


async def list_members(query: str | None, limit: int, offset: int) -> MemberList:
    if query:
        pattern = f"%{query.lower()}%"
        rows = await Member.raw(
            _MEMBER_SELECT + " WHERE lower(m.display_name) LIKE {} OR lower(m.email) LIKE {}"
            " ORDER BY m.display_name, m.id LIMIT {} OFFSET {}",
            pattern,
            pattern,
            limit,
            offset,
        )
        total = await Member.count().where(
            (Member.display_name.ilike(pattern)) | (Member.email.ilike(pattern))
        )
    else:
        rows = await Member.raw(
            _MEMBER_SELECT + " ORDER BY m.display_name, m.id LIMIT {} OFFSET {}", limit, offset
        )
        total = await Member.count()
    return MemberList(items=[_member_read(r) for r in rows], total=total)


async def get_member(member_id: int) -> MemberRead:
    rows = await Member.raw(_MEMBER_SELECT + " WHERE m.id = {}", member_id)
    if not rows:
        raise NotFound(f"No member with id {member_id}.")
    return _member_read(rows[0])


# ---------------------------------------------------------------------------- groups


async def _check_facilitators(ids: list[int]) -> None:
    if not ids:
        return
    found = await User.select(User.id).where(
        User.id.is_in(ids), User.role.is_in(["facilitator", "admin"]), User.is_active.eq(True)
    )
    missing = sorted(set(ids) - {r["id"] for r in found})
    if missing:
        raise Invalid(
            f"Not a facilitator or admin account: {', '.join(map(str, missing))}.",
            field="facilitator_ids",
        )


async def _group_reads(where_sql: str = "", *args: Any) -> list[GroupRead]:
    """Groups with their counts; ``where_sql`` is a constant fragment, values are bound."""
    rows = await Group.raw(
        "SELECT g.*, "  # noqa: S608
        "(SELECT COUNT(*) FROM membership ms WHERE ms.\"group\" = g.id AND ms.status = 'active')"
        " AS active_count, "
        '(SELECT COUNT(*) FROM membership ms WHERE ms."group" = g.id'
        " AND ms.status = 'waitlisted') AS waitlist_count "
        "FROM work_group g " + where_sql + " ORDER BY g.name, g.id",
        *args,
    )
    if not rows:
        return []
    links = await GroupFacilitator.select(GroupFacilitator.group, GroupFacilitator.user).where(
        GroupFacilitator.group.is_in([r["id"] for r in rows])
    )
    by_group: dict[int, list[int]] = {}
    for link in links:
        by_group.setdefault(link["group"], []).append(link["user"])
    return [
        GroupRead(
            id=r["id"],
            name=r["name"],
            description=r["description"],
            kind=r["kind"],
            purposes=from_mask(r["purpose_mask"]),
            capacity=r["capacity"],
            timezone=r["timezone"],
            phase=r["phase"],
            location=r["location"],
            facilitator_ids=sorted(by_group.get(r["id"], [])),
            active_count=r["active_count"],
            waitlist_count=r["waitlist_count"],
        )
        for r in rows
    ]


async def can_manage_group(user: CurrentUser, group_id: int) -> bool:
    if user.is_admin:
        return await Group.exists().where(Group.id == group_id)
    if user.role != "facilitator":
        return False
    return await GroupFacilitator.exists().where(
        GroupFacilitator.group == group_id, GroupFacilitator.user == user.id
    )


async def require_group(user: CurrentUser, group_id: int) -> None:
    """404 unless the group exists and ``user`` facilitates it (or is an admin)."""
    if not await can_manage_group(user, group_id):
        raise NotFound(f"No group with id {group_id} among yours.")


async def list_groups(user: CurrentUser) -> GroupList:
    if user.is_admin:
        items = await _group_reads()
    else:
        items = await _group_reads(
            'WHERE g.id IN (SELECT gf."group" FROM group_facilitator gf WHERE gf."user" = {})',
            user.id,
        )
    return GroupList(items=items, total=len(items))


async def get_group(user: CurrentUser, group_id: int) -> GroupRead:
    await require_group(user, group_id)
    return (await _group_reads("WHERE g.id = {}", group_id))[0]


async def create_group(user: CurrentUser, data: GroupCreate) -> GroupRead:
    facilitator_ids = list(dict.fromkeys(data.facilitator_ids))
    if user.role == "facilitator" and user.id not in facilitator_ids:
        facilitator_ids.insert(0, user.id)
    await _check_facilitators(facilitator_ids)
    async with write_transaction(current_engine()):
        rows = await Group.insert(
            Group(
                name=data.name,
                description=data.description,
                kind=data.kind,
                purpose_mask=to_mask(data.purposes),
                capacity=data.capacity,
                timezone=data.timezone,
                phase=data.phase,
                location=data.location,
                created_at=now(),
            )
        ).returning(Group.id)
        group_id = rows[0]["id"]
        if facilitator_ids:
            await GroupFacilitator.insert(
                *[GroupFacilitator(group=group_id, user=uid) for uid in facilitator_ids]
            )
    return (await _group_reads("WHERE g.id = {}", group_id))[0]


async def update_group(user: CurrentUser, group_id: int, data: GroupUpdate) -> GroupRead:
    await require_group(user, group_id)
    values: dict[Any, Any] = {}
    for name in ("name", "kind", "capacity", "timezone", "description", "phase", "location"):
        value = getattr(data, name)
        if value is not UNSET:
            values[getattr(Group, name)] = value
    if data.purposes is not UNSET:
        values[Group.purpose_mask] = to_mask(data.purposes)
    if data.facilitator_ids is not UNSET:
        if not data.facilitator_ids:
            raise Invalid("A group needs at least one facilitator.", field="facilitator_ids")
        await _check_facilitators(data.facilitator_ids)
    async with write_transaction(current_engine()):
        if data.capacity is not UNSET:
            active = await Membership.count().where(
                Membership.group == group_id, Membership.status == ACTIVE
            )
            if data.capacity < active:
                raise Conflict(
                    f"The group has {active} active members; end memberships before lowering "
                    f"capacity to {data.capacity}.",
                    field="capacity",
                )
        if values:
            await Group.update(values).where(Group.id == group_id)
        if data.facilitator_ids is not UNSET:
            await GroupFacilitator.delete().where(GroupFacilitator.group == group_id)
            await GroupFacilitator.insert(
                *[
                    GroupFacilitator(group=group_id, user=uid)
                    for uid in dict.fromkeys(data.facilitator_ids)
                ]
            )
        if data.capacity is not UNSET:
            await _fill_free_places(group_id)
    return (await _group_reads("WHERE g.id = {}", group_id))[0]


# ---------------------------------------------------------------------------- enrolment


async def _waitlist_position(group_id: int, membership_id: int) -> int:
    waiting = (
        await Membership.select(Membership.id)
        .where(Membership.group == group_id, Membership.status == WAITLISTED)
        .order_by(Membership.requested_at)
        .order_by(Membership.id)
    )
    return [w["id"] for w in waiting].index(membership_id) + 1


async def _fill_free_places(group_id: int) -> None:
    """Move waiting members up, first come first served, while places are free."""
    group = await Group.select(Group.capacity, Group.timezone).where(Group.id == group_id).first()
    active = await Membership.count().where(
        Membership.group == group_id, Membership.status == ACTIVE
    )
    free = group["capacity"] - active
    if free <= 0:
        return
    waiting = (
        await Membership.select(Membership.id)
        .where(Membership.group == group_id, Membership.status == WAITLISTED)
        .order_by(Membership.requested_at)
        .order_by(Membership.id)
        .limit(free)
    )
    if waiting:
        await Membership.update(
            {Membership.status: ACTIVE, Membership.joined_on: today_in(group["timezone"])}
        ).where(Membership.id.is_in([w["id"] for w in waiting]))


async def enrol(user: CurrentUser, group_id: int, data: EnrolmentCreate) -> EnrolmentRead:
    await require_group(user, group_id)
    if not data.consent_given:
        raise Invalid(
            "Enrolment needs the member's informed consent; record it once it is given.",
            field="consent_given",
        )
    async with write_transaction(current_engine()):
        group = (
            await Group.select(Group.capacity, Group.timezone).where(Group.id == group_id).first()
        )
        today = today_in(group["timezone"])
        if data.joined_on is not None and data.joined_on > today:
            raise Invalid("joined_on cannot be in the future.", field="joined_on")
        if not await Member.exists().where(Member.id == data.member_id):
            raise Invalid(f"No member with id {data.member_id}.", field="member_id")
        if await Membership.exists().where(
            Membership.group == group_id,
            Membership.member == data.member_id,
            Membership.status.is_in([ACTIVE, WAITLISTED]),
        ):
            raise Conflict("This member is already enrolled or waiting.", field="member_id")
        active = await Membership.count().where(
            Membership.group == group_id, Membership.status == ACTIVE
        )
        status = ACTIVE if active < group["capacity"] else WAITLISTED
        rows = await Membership.insert(
            Membership(
                group=group_id,
                member=data.member_id,
                status=status,
                requested_at=now(),
                joined_on=(data.joined_on or today) if status == ACTIVE else None,
                consent_given_at=now(),
                consent_recorded_by=user.id,
            )
        ).returning(Membership.id)
        position = (
            await _waitlist_position(group_id, rows[0]["id"]) if status == WAITLISTED else None
        )
    return EnrolmentRead(member_id=data.member_id, status=status, waitlist_position=position)


async def end_membership(user: CurrentUser, group_id: int, member_id: int) -> None:
    await require_group(user, group_id)
    async with write_transaction(current_engine()):
        current = (
            await Membership.select(Membership.id)
            .where(
                Membership.group == group_id,
                Membership.member == member_id,
                Membership.status.is_in([ACTIVE, WAITLISTED]),
            )
            .first()
        )
        if current is None:
            raise NotFound(f"Member {member_id} is not enrolled in this group.")
        timezone = (await Group.select(Group.timezone).where(Group.id == group_id).first())[
            "timezone"
        ]
        await Membership.update(
            {Membership.status: ENDED, Membership.left_on: today_in(timezone)}
        ).where(Membership.id == current["id"])
        await _fill_free_places(group_id)


async def roster(user: CurrentUser, group_id: int) -> Roster:
    await require_group(user, group_id)
    rows = await Membership.raw(
        "SELECT ms.member AS member_id, m.display_name, ms.status, ms.joined_on, "
        "ms.consent_given_at FROM membership ms JOIN member m ON m.id = ms.member "
        "WHERE ms.\"group\" = {} AND ms.status IN ('active', 'waitlisted') "
        "ORDER BY ms.status, CASE WHEN ms.status = 'active' THEN m.display_name END, "
        "ms.requested_at, ms.id",
        group_id,
    )
    active: list[RosterEntry] = []
    waitlist: list[RosterEntry] = []
    for row in rows:
        if row["status"] == ACTIVE:
            active.append(RosterEntry(**row, waitlist_position=None))
        else:
            waitlist.append(RosterEntry(**row, waitlist_position=len(waitlist) + 1))
    return Roster(active=active, waitlist=waitlist)
