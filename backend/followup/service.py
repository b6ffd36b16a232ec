"""Follow-up: the members drifting away from a facilitator's groups, and the contacts made.

**Drifting**, in one definition shared by this list and the group report
(:func:`reasons`): absent from the last two or more held sessions in a row, or attended
(present or late) fewer than half of their last (up to) four held sessions, where excused
sessions count neither way — a member excused four times and never absent is not drifting.
The figures come from the kept read model (:mod:`backend.figures`); only members still active
in the group are listed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from backend import access
from backend.accounts.schemas import CurrentUser
from backend.db import Connection, database
from backend.domain.vocabulary import FollowUpReason
from backend.followup import queries
from backend.followup.schemas import ContactCreate, ContactRead, FollowUpEntry, FollowUpList
from backend.lib.errors import NotFound
from backend.lib.i18n import N_, format_message, supported
from backend.lib.moments import as_utc, now

STREAK_FOR_FOLLOW_UP = 2
LOW_RATE = 0.5
CONTACTS_SHOWN = 3
EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
LATEST = datetime(2300, 1, 1, tzinfo=UTC)
WHATSAPP = "https://wa.me/{number}?text={text}"
KIND_MESSAGE = N_(
    "Hello {name}, this is {facilitator} from {group}. We have missed you at our last "
    "sessions. Is everything all right? We would be glad to see you again."
)


def reasons(
    absence_streak: int, recent_held: int, recent_attended: int, recent_excused: int = 0
) -> list[str]:
    """Why a member is drifting (empty: they are not). ``recent_*`` count the member's last
    (up to) four held sessions; excused ones are set aside before the share is taken."""
    found = []
    if absence_streak >= STREAK_FOR_FOLLOW_UP:
        found.append(FollowUpReason.ABSENCE_STREAK.value)
    counted = recent_held - recent_excused
    if counted > 0 and recent_attended < LOW_RATE * counted:
        found.append(FollowUpReason.LOW_RECENT_RATE.value)
    return found


def may_drift(absence_streak: int, recent_held: int, recent_attended: int) -> bool:
    """Whether :func:`reasons` can find anything before the excused sessions are known
    (setting them aside only ever takes a member off the list)."""
    return bool(reasons(absence_streak, recent_held, recent_attended))


async def recent_excused(
    db: Connection,
    group_id: int,
    member_id: int,
    recent_held: int,
    lo: datetime | None = None,
    hi: datetime | None = None,
) -> int:
    """Excused sessions among the member's last ``recent_held`` held sessions in [lo, hi)."""
    if recent_held <= 0:
        return 0
    return await queries.excused_among_latest(
        db, group_id, member_id, recent_held, lo or EARLIEST, hi or LATEST
    )


def whatsapp_url(phone_key: str | None, text: str) -> str | None:
    """A click-to-chat link (``https://wa.me/<international digits>?text=...``)."""
    if not phone_key:
        return None
    return WHATSAPP.format(number=phone_key, text=quote(text, safe=""))


def kind_message(name: str, facilitator: str, group: str, language: str) -> str:
    return format_message(
        KIND_MESSAGE, {"name": name, "facilitator": facilitator, "group": group}, language
    )


async def follow_up_list(user: CurrentUser, language: str) -> FollowUpList:
    """Everyone drifting in the groups ``user`` may see, with their contacts; the message to
    each is in the member's language (their own choice, else the reader's)."""
    async with database().read() as db:
        rows = await queries.candidates(db, access.group_scope(user), STREAK_FOR_FOLLOW_UP)
        drifting: list[tuple[dict[str, Any], list[str], int]] = []
        for row in rows:
            excused = await recent_excused(
                db, row["group_id"], row["member_id"], row["recent_held"]
            )
            why = reasons(
                row["absence_streak"], row["recent_held"], row["recent_attended"], excused
            )
            if why:
                drifting.append((row, why, excused))
        contacts = await queries.contacts(
            db,
            sorted({r["group_id"] for r, _, _ in drifting}),
            sorted({r["member_id"] for r, _, _ in drifting}),
        )
    by_pair: dict[tuple[int, int], list[ContactRead]] = {}
    for contact in contacts:
        by_pair.setdefault((contact.group_id, contact.member_id), []).append(contact)
    items = []
    for row, why, excused in drifting:
        member_language = (
            supported(row["member_language"]) or supported(row["account_language"]) or language
        )
        message = kind_message(
            row["display_name"].split(" ")[0], user.display_name, row["group_name"], member_language
        )
        items.append(
            FollowUpEntry(
                group_id=row["group_id"],
                group_name=row["group_name"],
                timezone=row["timezone"],
                member_id=row["member_id"],
                display_name=row["display_name"],
                phone=row["phone"],
                whatsapp_url=whatsapp_url(row["phone_key"], message),
                message=message,
                reasons=why,
                absence_streak=row["absence_streak"],
                recent_held=row["recent_held"],
                recent_attended=row["recent_attended"],
                recent_excused=excused,
                last_held_at=as_utc(row["last_held_at"]) if row["last_held_at"] else None,
                contacts=by_pair.get((row["group_id"], row["member_id"]), [])[:CONTACTS_SHOWN],
            )
        )
    return FollowUpList(items=items)


async def record_contact(
    user: CurrentUser, group_id: int, member_id: int, data: ContactCreate
) -> ContactRead:
    """Keep a contact with a member of one of the user's groups (it is never changed)."""
    async with database().write() as db:
        await access.group(db, user, group_id)
        if await queries.member_name(db, group_id, member_id) is None:
            raise NotFound(
                N_("No member with id {id} in this group."),
                params={"id": member_id},
                code="not_in_group",
            )
        return await queries.insert_contact(
            db,
            group_id=group_id,
            member_id=member_id,
            contacted_by=user.id,
            contacted_at=now(),
            outcome=str(data.outcome),
            note=data.note.strip(),
        )
