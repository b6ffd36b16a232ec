"""Members' feedback after a session, and what staff may see of it.

* A member recorded **present or late** at a session of a group they are active in answers from
  the session's start until :data:`FEEDBACK_DAYS` days after it, once; they may change their
  answer within that window. A cancelled session takes no answers.
* Staff (the group's facilitators and admins) see answers only in aggregate: the number of
  answers, each item's mean and distribution, the purposes members named next to the purposes
  the facilitators tagged on the same rolls, and the comments without names in alphabetical
  order — all of it only from :data:`FEEDBACK_MINIMUM` answers up. No staff read selects who
  answered.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from backend import access
from backend.accounts.schemas import CurrentUser
from backend.db import Connection, database
from backend.domain.feedback import FEEDBACK_DAYS, FEEDBACK_ITEMS, FEEDBACK_MINIMUM
from backend.domain.vocabulary import ATTENDED_STATUSES, PURPOSES_BY_CODE, SessionStatus
from backend.feedback import queries
from backend.feedback.schemas import (
    FeedbackAnswer,
    FeedbackFigures,
    FeedbackInput,
    FeedbackItemText,
    GroupFeedback,
    ItemFigures,
    MyFeedback,
    PurposeFigures,
    PurposeOption,
    SessionFeedbackFigures,
)
from backend.lib.errors import Conflict, Invalid
from backend.lib.i18n import N_
from backend.lib.moments import as_utc, moment, now
from backend.lib.purposes import from_mask, to_mask

_EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
_LATEST = datetime(2300, 1, 1, tzinfo=UTC)


def _items(language: str) -> list[FeedbackItemText]:
    return [FeedbackItemText(code=i.code, text=i.text_in(language)) for i in FEEDBACK_ITEMS]


def _answer(row: dict[str, Any] | None) -> FeedbackAnswer | None:
    if row is None:
        return None
    return FeedbackAnswer(
        ratings=json.loads(row["ratings"]),
        purposes=from_mask(row["purpose_mask"]),
        comment=row["comment"] or None,
        updated_at=moment(row["updated_at"]),
    )


def _refusal(session: access.SessionRef, status: str | None, at: datetime) -> Exception | None:
    """Why the member may not answer now, or ``None``."""
    if session.status == SessionStatus.CANCELLED:
        return Conflict(
            N_("The session was cancelled; there is nothing to give feedback on."),
            code="session_cancelled",
        )
    start = as_utc(session.starts_at)
    if at < start:
        return Conflict(N_("Feedback opens when the session starts."), code="feedback_not_open")
    if at > start + timedelta(days=FEEDBACK_DAYS):
        return Conflict(
            N_("Feedback on this session closed {days} days after it started."),
            params={"days": FEEDBACK_DAYS},
            code="feedback_closed",
        )
    if status not in ATTENDED_STATUSES:
        return Conflict(
            N_("Feedback is for the members who were there (present or late)."),
            code="feedback_needs_attendance",
        )
    return None


async def _mine(
    db: Connection, user: CurrentUser, session: access.SessionRef, language: str
) -> MyFeedback:
    assert user.member_id is not None
    status = await queries.status_of(db, session.id, user.member_id)
    return MyFeedback(
        session_id=session.id,
        group_name=session.group_name,
        starts_at=session.starts_at,
        timezone=session.timezone,
        open_until=as_utc(session.starts_at) + timedelta(days=FEEDBACK_DAYS),
        can_answer=_refusal(session, status, now()) is None,
        items=_items(language),
        purposes=[
            PurposeOption(code=code, title=PURPOSES_BY_CODE[code].title_in(language))
            for code in from_mask(session.purpose_mask)
        ],
        answer=_answer(await queries.answer_of(db, session.id, user.member_id)),
    )


async def my_feedback(user: CurrentUser, session_id: int, language: str = "en") -> MyFeedback:
    """The items, the group's purposes and the member's own answer (if any)."""
    async with database().read() as db:
        session = await access.own_session(db, user, session_id)
        return await _mine(db, user, session, language)


def _check(session: access.SessionRef, data: FeedbackInput) -> None:
    if len(set(data.purposes)) != len(data.purposes):
        raise Invalid(N_("A purpose is named twice."), field="purposes", code="purpose_named_twice")
    undeclared = [p for p in data.purposes if not to_mask([p]) & session.purpose_mask]
    if undeclared:
        raise Invalid(
            N_("The group did not declare the purpose {purpose}."),
            params={"purpose": undeclared[0]},
            field="purposes",
            code="purpose_not_declared",
        )


async def answer(
    user: CurrentUser, session_id: int, data: FeedbackInput, language: str = "en"
) -> tuple[MyFeedback, bool]:
    """Record (or change) the member's answer; ``True`` when it is their first."""
    assert user.member_id is not None  # requires_member
    async with database().write() as db:
        session = await access.own_session(db, user, session_id)
        at = now()
        refusal = _refusal(session, await queries.status_of(db, session_id, user.member_id), at)
        if refusal is not None:
            raise refusal
        _check(session, data)
        first = await queries.answer_of(db, session_id, user.member_id) is None
        given = msgspec.to_builtins(data.ratings)
        ratings = {i.code: given[i.code] for i in FEEDBACK_ITEMS}
        await queries.upsert(
            db,
            session_id,
            session.group_id,
            user.member_id,
            json.dumps(ratings),
            to_mask(data.purposes),
            (data.comment or "").strip(),
            at,
        )
        return await _mine(db, user, session, language), first


# ---------------------------------------------------------------------------- staff views


def figures_of(
    answers: list[dict[str, Any]],
    tags: list[dict[str, Any]],
    purpose_mask: int,
    language: str,
) -> FeedbackFigures:
    """Aggregates of ``answers`` (rows without any member), hidden below the minimum."""
    count = len(answers)
    if count < FEEDBACK_MINIMUM:
        return FeedbackFigures(
            answers=count,
            shown=False,
            minimum=FEEDBACK_MINIMUM,
            items=[],
            purposes=[],
            attended_records=0,
            comments=[],
        )
    ratings = [json.loads(a["ratings"]) for a in answers]
    items = []
    for item in FEEDBACK_ITEMS:
        values = [r[item.code] for r in ratings if item.code in r]
        spread = Counter(values)
        items.append(
            ItemFigures(
                code=item.code,
                text=item.text_in(language),
                mean=round(sum(values) / len(values), 2) if values else 0.0,
                distribution=[spread.get(v, 0) for v in range(1, 6)],
            )
        )
    sessions = {a["session"] for a in answers}
    tagged = [t["purpose_mask"] for t in tags if t["session"] in sessions]
    purposes = [
        PurposeFigures(
            purpose=code,
            members=sum(1 for a in answers if a["purpose_mask"] & to_mask([code])),
            facilitators=sum(1 for mask in tagged if mask & to_mask([code])),
        )
        for code in from_mask(purpose_mask)
    ]
    return FeedbackFigures(
        answers=count,
        shown=True,
        minimum=FEEDBACK_MINIMUM,
        items=items,
        purposes=purposes,
        attended_records=len(tagged),
        comments=sorted((a["comment"] for a in answers if a["comment"]), key=str.casefold),
    )


async def group_feedback_in(
    db: Connection,
    group: access.GroupRef,
    lo: datetime | None,
    hi: datetime | None,
    language: str,
) -> GroupFeedback:
    """The group's feedback over sessions starting in [lo, hi), and session by session."""
    answers = await queries.answers(db, group.id, lo or _EARLIEST, hi or _LATEST)
    tags = await queries.tags(db, group.id) if answers else []
    by_session: dict[int, list[dict[str, Any]]] = {}
    for row in answers:
        by_session.setdefault(row["session"], []).append(row)
    return GroupFeedback(
        group_id=group.id,
        figures=figures_of(answers, tags, group.purpose_mask, language),
        sessions=[
            SessionFeedbackFigures(
                session_id=session_id,
                starts_at=moment(rows[0]["starts_at"]),
                figures=figures_of(rows, tags, group.purpose_mask, language),
            )
            for session_id, rows in by_session.items()
        ],
    )


async def group_feedback(user: CurrentUser, group_id: int, language: str = "en") -> GroupFeedback:
    async with database().read() as db:
        group = await access.group(db, user, group_id)
        return await group_feedback_in(db, group, None, None, language)


async def session_feedback(
    user: CurrentUser, session_id: int, language: str = "en"
) -> SessionFeedbackFigures:
    async with database().read() as db:
        session = await access.session(db, user, session_id)
        group = await access.group(db, user, session.group_id)
        start = as_utc(session.starts_at)
        found = await group_feedback_in(
            db, group, start, start + timedelta(microseconds=1), language
        )
    rows = [s for s in found.sessions if s.session_id == session_id]
    if rows:
        return rows[0]
    return SessionFeedbackFigures(
        session_id=session_id,
        starts_at=session.starts_at,
        figures=figures_of([], [], group.purpose_mask, language),
    )
