"""Members, groups, facilitators and enrolment (with consent, capacity and the waiting list).

Rules:

* A member is enrolled only with their informed consent, recorded with who recorded it.
* A group's capacity is enforced: further members wait on a list, in order of arrival, and
  move up when a place frees (a membership ends or the capacity rises).
* A person is on record once: adding someone whose email or phone is already on record is a
  409 naming the existing record, so they can be enrolled instead.
* Facilitators see only the members of their groups (see :mod:`backend.access`); a person on
  record elsewhere is found, and enrolled, by their exact email or phone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from msgspec import UNSET

from backend import access
from backend.accounts import service as accounts
from backend.accounts.passwords import hash_password_async
from backend.accounts.schemas import CurrentUser
from backend.curricula import service as curricula
from backend.db import Connection, database
from backend.domain.vocabulary import MembershipStatus, Role
from backend.figures import service as figures
from backend.groups import queries
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
    NewPersonEnrolment,
    Roster,
)
from backend.lib.errors import Conflict, Invalid, NotFound
from backend.lib.i18n import N_
from backend.lib.moments import as_date, bounded_date, now, today_in
from backend.lib.phones import phone_key
from backend.lib.purposes import to_mask
from backend.rights.erased import refuse_if_erased

ACTIVE, WAITLISTED = MembershipStatus.ACTIVE, MembershipStatus.WAITLISTED


# ---------------------------------------------------------------------------- members


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


async def _existing_person(db: Connection, email: str | None, phone: str | None) -> None:
    """409 naming the record when a person with this email or phone is already on record."""
    for field, found in (
        ("email", await queries.member_by_contact(db, email=email) if email else None),
        (
            "phone",
            await queries.member_by_contact(db, phone_key=phone_key(phone)) if phone else None,
        ),
    ):
        if found is not None:
            raise Conflict(
                N_("{name} is already on record with this {field}; enrol that person instead."),
                params={"name": found["display_name"], "field": field},
                field=field,
                code="person_on_record",
                extra={
                    "existing_member_id": found["id"],
                    "existing_display_name": found["display_name"],
                },
            )


async def _add_member(db: Connection, user: CurrentUser, data: MemberCreate) -> int:
    email = normalise_email(data.email)
    await _existing_person(db, email, data.phone)
    member_id = await queries.insert_member(
        db,
        display_name=data.display_name.strip(),
        email=email,
        phone=data.phone.strip() if data.phone else None,
        phone_key=phone_key(data.phone),
        created_at=now(),
        created_by=user.id,
        language=data.language,
    )
    if data.password is not None and email is not None:
        await accounts.add_user(
            db,
            email=email,
            display_name=data.display_name.strip(),
            role=Role.MEMBER,
            password_hash=await hash_password_async(data.password),
            member_id=member_id,
            language=data.language,
        )
    return member_id


async def create_member(user: CurrentUser, data: MemberCreate) -> MemberRead:
    async with database().write() as db:
        member_id = await _add_member(db, user, data)
        member = await queries.member(db, member_id)
    assert member is not None
    return member


async def list_members(
    user: CurrentUser,
    search: str | None,
    limit: int,
    offset: int,
    *,
    email: str | None = None,
    phone: str | None = None,
) -> MemberList:
    """The members ``user`` may see; or, with ``email`` or ``phone``, the one person on record
    with exactly that contact (``id`` and ``display_name`` only)."""
    async with database().read() as db:
        if email is not None or phone is not None:
            found = await queries.member_by_contact(
                db, email=normalise_email(email), phone_key=phone_key(phone)
            )
            items = [] if found is None else [MemberRead(**found)]
            return MemberList(items=items, total=len(items))
        items, total = await queries.members_page(
            db, access.member_scope(user), search, limit, offset
        )
    return MemberList(items=items, total=total)


async def get_member(user: CurrentUser, member_id: int) -> MemberRead:
    async with database().read() as db:
        await access.member(db, user, member_id)
        member = await queries.member(db, member_id)
    assert member is not None
    return member


# ---------------------------------------------------------------------------- groups


async def _check_facilitators(db: Connection, ids: list[int]) -> None:
    if not ids:
        return
    missing = sorted(set(ids) - await queries.staff_accounts(db, ids))
    if missing:
        raise Invalid(
            N_("Not a facilitator or admin account: {ids}."),
            params={"ids": ", ".join(map(str, missing))},
            field="facilitator_ids",
            code="not_staff",
        )


async def list_groups(user: CurrentUser) -> GroupList:
    async with database().read() as db:
        items = await queries.groups(db, access.group_scope(user))
    return GroupList(items=items, total=len(items))


async def get_group(user: CurrentUser, group_id: int) -> GroupRead:
    async with database().read() as db:
        await access.group(db, user, group_id)
        return await queries.group(db, group_id)


async def create_group(user: CurrentUser, data: GroupCreate) -> GroupRead:
    facilitator_ids = list(dict.fromkeys(data.facilitator_ids))
    if user.role == Role.FACILITATOR and user.id not in facilitator_ids:
        facilitator_ids.insert(0, user.id)
    async with database().write() as db:
        await _check_facilitators(db, facilitator_ids)
        await curricula.check_exists(db, data.curriculum_id)
        group_id = await queries.insert_group(
            db,
            {
                "name": data.name.strip(),
                "description": data.description,
                "kind": str(data.kind),
                "purpose_mask": to_mask(data.purposes),
                "capacity": data.capacity,
                "timezone": data.timezone,
                "phase": str(data.phase),
                "location": data.location.strip(),
                "created_at": now(),
                "curriculum": data.curriculum_id,
            },
        )
        await queries.add_facilitators(db, group_id, facilitator_ids)
        return await queries.group(db, group_id)


async def update_group(user: CurrentUser, group_id: int, data: GroupUpdate) -> GroupRead:
    values: dict[str, Any] = {}
    for name in ("name", "kind", "capacity", "timezone", "description", "phase", "location"):
        value = getattr(data, name)
        if value is not UNSET:
            values[name] = value.strip() if name in ("name", "location") else value
    if data.purposes is not UNSET:
        values["purpose_mask"] = to_mask(data.purposes)
    if data.facilitator_ids is not UNSET and not data.facilitator_ids:
        raise Invalid(
            N_("A group needs at least one facilitator."),
            field="facilitator_ids",
            code="no_facilitator",
        )
    async with database().write() as db:
        group = await access.group(db, user, group_id)
        if data.facilitator_ids is not UNSET:
            await _check_facilitators(db, data.facilitator_ids)
        if data.curriculum_id is not UNSET and data.curriculum_id != group.curriculum_id:
            await curricula.check_exists(db, data.curriculum_id)
            if await queries.sessions_with_steps(db, group_id):
                raise Conflict(
                    N_(
                        "Sessions of this group teach steps of its curriculum; clear their "
                        "steps before the group follows another curriculum."
                    ),
                    field="curriculum_id",
                    code="curriculum_in_use",
                )
            values["curriculum"] = data.curriculum_id
        if data.leader_member_id is not UNSET:
            if data.leader_member_id is not None and not await queries.is_active_member(
                db, group_id, data.leader_member_id
            ):
                raise Invalid(
                    N_("The leader must be an active member of the group."),
                    field="leader_member_id",
                    code="leader_not_active",
                )
            values["leader"] = data.leader_member_id
        if data.capacity is not UNSET:
            active = await queries.active_count(db, group_id)
            if data.capacity < active:
                raise Conflict(
                    N_(
                        "The group has {members} active members; end memberships before "
                        "lowering its capacity to {capacity}."
                    ),
                    params={"members": active, "capacity": data.capacity},
                    field="capacity",
                    code="capacity_below_members",
                )
        if values:
            await queries.update_group(db, group_id, values)
        if data.facilitator_ids is not UNSET:
            await queries.set_facilitators(db, group_id, data.facilitator_ids)
        if data.capacity is not UNSET:
            await _fill_free_places(db, group_id, group.timezone)
        if data.timezone is not UNSET and data.timezone != group.timezone:
            await figures.group_changed(db, group_id)
        return await queries.group(db, group_id)


async def change_facilitator(
    user: CurrentUser, group_id: int, facilitator_id: int, *, assigned: bool
) -> GroupRead:
    """Assign a facilitator (an active admin or facilitator account) to the group, or remove
    one; a group keeps at least one facilitator."""
    async with database().write() as db:
        await access.group(db, user, group_id)
        ids = await queries.facilitator_ids(db, group_id)
        if assigned:
            if facilitator_id in ids:
                raise Conflict(
                    N_("This person already facilitates the group."),
                    field="facilitator_ids",
                    code="already_facilitator",
                )
            await _check_facilitators(db, [facilitator_id])
            ids.append(facilitator_id)
        else:
            if facilitator_id not in ids:
                raise NotFound(
                    N_("This person does not facilitate the group."),
                    field="facilitator_ids",
                    code="not_facilitator",
                )
            if len(ids) == 1:
                raise Invalid(
                    N_("A group needs at least one facilitator."),
                    field="facilitator_ids",
                    code="no_facilitator",
                )
            ids.remove(facilitator_id)
        await queries.set_facilitators(db, group_id, ids)
        return await queries.group(db, group_id)


# ---------------------------------------------------------------------------- enrolment


async def _fill_free_places(db: Connection, group_id: int, timezone: str) -> None:
    """Move waiting members up, first come first served, while places are free."""
    group = await queries.group(db, group_id)
    free = group.capacity - group.active_count
    if free <= 0:
        return
    for waiting in (await queries.waiting(db, group_id))[:free]:
        await queries.promote(db, waiting["id"], today_in(timezone))
        await figures.member_changed(db, group_id, waiting["member"])


async def _enrol(
    db: Connection,
    user: CurrentUser,
    group: access.GroupRef,
    member_id: int,
    consent_given: bool,
    joined_on: date | None,
) -> EnrolmentRead:
    if not consent_given:
        raise Invalid(
            N_("Enrolment needs the member's informed consent; record it once it is given."),
            field="consent_given",
            code="consent_required",
        )
    today = today_in(group.timezone)
    if joined_on is not None:
        bounded_date(joined_on, "joined_on")
        if joined_on > today:
            raise Invalid(
                N_("The joining date cannot be in the future."),
                field="joined_on",
                code="joined_in_future",
            )
    if await queries.open_membership(db, group.id, member_id) is not None:
        raise Conflict(
            N_("This member is already enrolled or waiting."),
            field="member_id",
            code="already_enrolled",
        )
    status = ACTIVE if await queries.active_count(db, group.id) < group.capacity else WAITLISTED
    await queries.insert_membership(
        db,
        group_id=group.id,
        member_id=member_id,
        status=status,
        requested_at=now(),
        joined_on=(joined_on or today) if status == ACTIVE else None,
        recorded_by=user.id,
    )
    position = None
    if status == WAITLISTED:
        waiting = [w["member"] for w in await queries.waiting(db, group.id)]
        position = waiting.index(member_id) + 1
    else:
        await figures.member_changed(db, group.id, member_id)
    return EnrolmentRead(member_id=member_id, status=status, waitlist_position=position)


async def _member_to_enrol(db: Connection, user: CurrentUser, data: EnrolmentCreate) -> int:
    if data.member_id is not None:
        try:
            await access.member(db, user, data.member_id)
        except NotFound:
            raise Invalid(
                N_(
                    "No member with id {id} among yours; find a person on record elsewhere by "
                    "their exact email or phone."
                ),
                params={"id": data.member_id},
                field="member_id",
                code="unknown_member",
            ) from None
        return data.member_id
    field = "email" if data.email is not None else "phone"
    found = await queries.member_by_contact(
        db, email=normalise_email(data.email), phone_key=phone_key(data.phone)
    )
    if found is None:
        raise Invalid(
            N_("Nobody is on record with this {field}."),
            params={"field": field},
            field=field,
            code="unknown_member",
        )
    return found["id"]


async def enrol(user: CurrentUser, group_id: int, data: EnrolmentCreate) -> EnrolmentRead:
    async with database().write() as db:
        group = await access.group(db, user, group_id)
        member_id = await _member_to_enrol(db, user, data)
        await refuse_if_erased(db, member_id)
        return await _enrol(db, user, group, member_id, data.consent_given, data.joined_on)


async def enrol_new_person(
    user: CurrentUser, group_id: int, data: NewPersonEnrolment
) -> EnrolmentRead:
    """Add a person and enrol them, in one transaction: refused means nothing is written."""
    async with database().write() as db:
        group = await access.group(db, user, group_id)
        if not data.consent_given:
            raise Invalid(
                N_("Enrolment needs the member's informed consent; record it once it is given."),
                field="consent_given",
                code="consent_required",
            )
        member_id = await _add_member(db, user, data.person)
        return await _enrol(db, user, group, member_id, data.consent_given, data.joined_on)


async def end_membership(
    user: CurrentUser, group_id: int, member_id: int, left_on: date | None = None
) -> None:
    """End the member's membership (or their place on the waiting list) on ``left_on``, the
    last day they belonged to the group (today when not given; never in the future)."""
    async with database().write() as db:
        group = await access.group(db, user, group_id)
        current = await queries.open_membership(db, group_id, member_id)
        if current is None:
            raise NotFound(
                N_("Member {member} is not enrolled in this group."),
                params={"member": member_id},
                code="not_enrolled",
            )
        today = today_in(group.timezone)
        left_on = today if left_on is None else bounded_date(left_on, "left_on")
        if left_on > today:
            raise Invalid(
                N_("The leaving date cannot be in the future."),
                field="left_on",
                code="left_in_future",
            )
        joined = None if current["joined_on"] is None else as_date(current["joined_on"])
        if joined is not None and left_on < joined:
            raise Invalid(
                N_("The leaving date cannot be before the joining date ({joined})."),
                params={"joined": joined.isoformat()},
                field="left_on",
                code="left_before_joined",
            )
        await queries.end(db, current["id"], left_on)
        if current["status"] == ACTIVE:
            await queries.clear_leader(db, group_id, member_id)
            await figures.member_changed(db, group_id, member_id)
        await _fill_free_places(db, group_id, group.timezone)


async def roster(user: CurrentUser, group_id: int) -> Roster:
    async with database().read() as db:
        await access.group(db, user, group_id)
        entries = await queries.roster(db, group_id)
    return Roster(
        active=[e for e in entries if e.status == ACTIVE],
        waitlist=[e for e in entries if e.status == WAITLISTED],
    )
