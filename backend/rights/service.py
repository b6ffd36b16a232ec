"""Members' data rights (Indonesia's UU 27/2022): their own export, erasure by an admin, and
retention.

* **Export**: the member's profile, memberships, sessions, attendance (no notes) and feedback.
* **Erasure** (admins): the member's name becomes ``#<id>``; email, phone, login, calendar link,
  feedback comments and every confidential note about them (on rolls, in the roll's audit
  trail, on follow-up contacts) are removed. Their attendance and ratings stay, anonymous, so
  every figure stays the same. A member still enrolled or waiting is refused (409): ending the
  membership (withdrawing consent) comes first, and no new record can be taken after it.
* **Retention** (``LINGKAR_RETENTION_YEARS``; unset: keep): members whose memberships all
  ended, the last more than that many years ago, are erased the same way, by ``lingkar
  retention`` and daily by the server.

Every erasure and retention run is in ``rights_audit``, with counts only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import date, datetime

import msgspec

from backend import access
from backend.accounts.schemas import CurrentUser
from backend.attendance import service as attendance
from backend.db import Connection, database
from backend.domain.rights import RightsAction
from backend.feedback.schemas import FeedbackAnswer
from backend.lib.errors import Conflict
from backend.lib.i18n import N_
from backend.lib.moments import moment, now
from backend.lib.purposes import from_mask
from backend.rights import queries
from backend.rights.schemas import (
    Erasure,
    FeedbackRecord,
    MembershipRecord,
    MyData,
    Profile,
    RetentionRun,
)
from backend.scheduling import service as scheduling

log = logging.getLogger("lingkar.rights")
DAY_SECONDS = 24 * 3600


async def my_data(member_id: int) -> MyData:
    async with database().read() as db:
        profile = await queries.profile(db, member_id)
        memberships = await queries.memberships(db, member_id)
        answers = await queries.feedback(db, member_id)
    assert profile is not None
    sessions = await scheduling.member_sessions(member_id, None, None, 10_000, 0)
    return MyData(
        exported_at=now(),
        profile=msgspec.convert(profile, Profile, strict=False),
        memberships=msgspec.convert(memberships, list[MembershipRecord], strict=False),
        sessions=sessions.items,
        attendance=await attendance.member_attendance(member_id),
        feedback=[
            FeedbackRecord(
                session_id=a["session_id"],
                answered_at=moment(a["answered_at"]),
                answer=FeedbackAnswer(
                    ratings=json.loads(a["ratings"]),
                    purposes=from_mask(a["purpose_mask"]),
                    comment=a["comment"] or None,
                    updated_at=moment(a["updated_at"]),
                ),
            )
            for a in answers
        ],
    )


def _without_note(text: str | None) -> str | None:
    if text is None:
        return None
    snapshot = json.loads(text)
    if snapshot.get("note") is None:
        return text
    snapshot["note"] = None
    return msgspec.json.encode(dict(sorted(snapshot.items()))).decode()


async def _erase(
    db: Connection, member_id: int, user_id: int | None, at: datetime, action: str
) -> Erasure:
    if await queries.erased(db, member_id, RightsAction.ERASE):
        return Erasure(
            member_id=member_id,
            erased_now=False,
            login_removed=False,
            notes_removed=0,
            contact_notes_removed=0,
            comments_removed=0,
            audit_entries_scrubbed=0,
        )
    scrubbed = 0
    for row in await queries.audit_rows(db, member_id):
        before, after = _without_note(row["before"]), _without_note(row["after"])
        if (before, after) != (row["before"], row["after"]):
            await queries.set_audit(db, row["id"], before, after)
            scrubbed += 1
    result = Erasure(
        member_id=member_id,
        erased_now=True,
        login_removed=await queries.has_login(db, member_id),
        notes_removed=await queries.count(db, queries.COUNT_NOTES, member_id),
        contact_notes_removed=await queries.count(db, queries.COUNT_CONTACT_NOTES, member_id),
        comments_removed=await queries.count(db, queries.COUNT_COMMENTS, member_id),
        audit_entries_scrubbed=scrubbed,
    )
    await queries.anonymise(db, member_id, f"#{member_id}")
    detail = msgspec.json.encode({"by": action, **msgspec.to_builtins(result)}).decode()
    await queries.record(db, RightsAction.ERASE, member_id, user_id, at, detail)
    return result


async def erase(user: CurrentUser, member_id: int) -> Erasure:
    """Erase a member's personal values (admins; see the module's rules)."""
    async with database().write() as db:
        await access.member(db, user, member_id)
        if await queries.open_memberships(db, member_id):
            raise Conflict(
                N_(
                    "Member {member} is still enrolled or waiting in a group: end those "
                    "memberships first."
                ),
                params={"member": member_id},
                code="member_still_enrolled",
            )
        return await _erase(db, member_id, user.id, now(), RightsAction.ERASE)


async def retention(years: int | None, today: date | None = None) -> RetentionRun:
    """Erase the members whose last membership ended more than ``years`` years before
    ``today``; recorded in the audit (also when there was nothing to do)."""
    if years is None:
        return RetentionRun(years=None, cutoff=None, erased=[])
    at = now()
    today = today or at.date()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    async with database().write() as db:
        erased = [
            await _erase(db, member_id, None, at, RightsAction.RETENTION)
            for member_id in await queries.expired(db, cutoff, RightsAction.ERASE)
        ]
        detail = {"years": years, "cutoff": cutoff.isoformat(), "members": len(erased)}
        await queries.record(db, RightsAction.RETENTION, None, None, at, json.dumps(detail))
    return RetentionRun(years=years, cutoff=cutoff, erased=erased)


async def run_daily(years: int) -> None:
    """The server's daily retention run, until cancelled."""
    while True:
        try:
            run = await retention(years)
            log.info("retention: %d members anonymised", len(run.erased))
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; tomorrow's run tries again
            log.exception("retention run failed")
        await asyncio.sleep(DAY_SECONDS)


def start(years: int | None) -> asyncio.Task | None:
    return None if years is None else asyncio.create_task(run_daily(years))


async def stop(task: asyncio.Task | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
