"""Kept attendance figures: maintained by the transaction that changes their sources, read in
proportion to what a view shows, and rebuilt from scratch by ``lingkar rebuild-figures``.

The definitions are those of :mod:`backend.attendance.facts` (the reference):

* A session is **held** once its roll has been taken and it is not cancelled.
* A member **counts** for a held session when one of their membership periods in the group
  (active or ended, from ``joined_on``) covers the session's local date.
* A counting member without a record on the roll is **absent**.

What is kept:

* ``attendance_fact``: one row per held session and counting member, with the effective
  status and the member's running totals in the group in time order (held so far, each
  status, each purpose served, the run of absences ending there, and the last four attended
  flags). The figures of any period are the difference of two rows, so a report reads two rows
  per member whatever the history behind them.
* ``session_figures``: each held session's counts and the purposes it served.
* ``member_group_figures``: each member's whole history in a group (their latest running
  totals), for follow-up lists across groups.

Changes that move the figures: a roll call (:func:`session_rolled`), a membership that starts,
ends or changes dates (:func:`member_changed`), a group's time zone (:func:`group_changed`).
Sessions whose roll has been taken cannot be moved or cancelled, so scheduling changes never
touch held sessions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.db import Connection
from backend.domain.vocabulary import ATTENDED_STATUSES, AttendanceStatus, SessionStatus
from backend.figures import queries
from backend.figures.queries import FACT_COLUMNS
from backend.lib.moments import as_date, as_utc, local_midnight_utc, moment

ABSENT = AttendanceStatus.ABSENT.value
RECENT_SESSIONS = 4
PURPOSE_BITS = tuple(1 << n for n in range(6))

Running = tuple[int, ...]  # the values of FACT_COLUMNS, in that order
Values = tuple[str, str | None, int]  # status, participation, purpose mask


def advance(before: Running | None, status: str, purpose_mask: int) -> Running:
    """The running totals after one more held session with ``status``."""
    (seq, present, late, excused, absent, absent_run, bits, *served) = before or (0,) * len(
        FACT_COLUMNS
    )
    attended = status in ATTENDED_STATUSES
    served = [
        count + (1 if attended and purpose_mask & bit else 0)
        for count, bit in zip(served, PURPOSE_BITS, strict=True)
    ]
    return (
        seq + 1,
        present + (status == AttendanceStatus.PRESENT),
        late + (status == AttendanceStatus.LATE),
        excused + (status == AttendanceStatus.EXCUSED),
        absent + (status == AttendanceStatus.ABSENT),
        absent_run + 1 if status == AttendanceStatus.ABSENT else 0,
        ((bits << 1) | attended) & ((1 << RECENT_SESSIONS) - 1),
        *served,
    )


def running_of(row: dict[str, Any]) -> Running:
    return tuple(int(row[c]) for c in FACT_COLUMNS)


def local_date(moment: datetime, timezone: str) -> date:
    return as_utc(moment).astimezone(ZoneInfo(timezone)).date()


# ---------------------------------------------------------------------------- maintenance


@dataclass(frozen=True, slots=True)
class RollState:
    """A session's roll as its writer already knows it: whether the session is held, who
    counts for it, and each counting member's record (absent when they have none)."""

    session_id: int
    group_id: int
    starts_at: datetime
    held: bool
    records: dict[int, Values]


async def session_rolled(db: Connection, session_id: int, state: RollState | None = None) -> None:
    """The session's roll changed (or it was taken for the first time). A writer that knows
    the roll passes it as ``state`` and saves re-reading it."""
    if state is None:
        loaded = await _roll_state(db, session_id)
        if loaded is None:
            return
        state = loaded
    group_id, starts_at, new = state.group_id, state.starts_at, state.records
    old = await queries.facts_of_session(db, session_id)
    if not await queries.later_fact_exists(db, group_id, starts_at, session_id):
        # The usual case, the latest roll of the group: every member's running totals
        # continue from their previous fact, and nothing after it moves.
        await _roll_at_the_end(db, state, old)
    else:
        moved = await _apply(
            db,
            group_id,
            [(session_id, member_id, starts_at) for member_id in new],
            old={(session_id, m): row for m, row in old.items()},
            new={(session_id, m): values for m, values in new.items()},
        )
        if moved:
            await _renumber(db, group_id, sorted(moved), starts_at, session_id)
    if state.held:
        await queries.upsert_session_figures(
            db, [_session_figures(session_id, group_id, starts_at, list(new.values()))]
        )
    else:
        await queries.delete_session_figures(db, session_id)


async def _roll_state(db: Connection, session_id: int) -> RollState | None:
    session = await queries.session(db, session_id)
    if session is None:
        return None
    held = session["roll_taken_at"] is not None and session["status"] != SessionStatus.CANCELLED
    new: dict[int, Values] = {}
    if held:
        day = local_date(session["starts_at"], session["timezone"])
        records = await queries.records_of_session(db, session_id)
        for member_id in await queries.counting_members(db, session["group_id"], day):
            record = records.get(member_id)
            new[member_id] = (
                (record["status"], record["participation"], record["purpose_mask"])
                if record is not None
                else (ABSENT, None, 0)
            )
    return RollState(session_id, session["group_id"], session["starts_at"], held, new)


async def _roll_at_the_end(
    db: Connection, state: RollState, old: dict[int, dict[str, Any]]
) -> None:
    new = state.records
    changed = {
        m
        for m, values in new.items()
        if m not in old
        or (old[m]["status"], old[m]["participation"], old[m]["purpose_mask"]) != values
    }
    gone = [m for m in old if m not in new]
    if not changed and not gone:
        return
    before = await queries.facts_before(
        db, state.group_id, sorted(changed | set(gone)), state.starts_at, state.session_id
    )
    updates, inserts = [], []
    last: dict[int, tuple[Running, datetime]] = {
        m: (running_of(row), row["starts_at"]) for m, row in before.items() if m in gone
    }
    for member_id in sorted(changed):
        status, participation, mask = new[member_id]
        previous = before.get(member_id)
        running = advance(None if previous is None else running_of(previous), status, mask)
        if member_id in old:
            updates.append((status, participation, mask, *running, old[member_id]["id"]))
        else:
            inserts.append(
                (
                    state.session_id,
                    state.group_id,
                    member_id,
                    state.starts_at,
                    *new[member_id],
                    *running,
                )
            )
        last[member_id] = (running, state.starts_at)
    await queries.delete_facts(db, [old[m]["id"] for m in gone])
    await queries.update_facts(db, updates)
    await queries.insert_facts(db, inserts)
    await _keep_member_figures(db, state.group_id, sorted(changed | set(gone)), last)


async def member_changed(db: Connection, group_id: int, member_id: int) -> None:
    """A membership of the member in the group started, ended or changed its dates."""
    timezone = await _timezone(db, group_id)
    bounds = [
        (
            local_midnight_utc(joined, timezone),
            None if left is None else local_midnight_utc(left + timedelta(days=1), timezone),
        )
        for joined, left in await queries.periods_of_member(db, group_id, member_id)
    ]
    counting = [
        s
        for s in await queries.held_sessions(db, group_id)
        if any(
            start <= as_utc(s["starts_at"]) and (end is None or as_utc(s["starts_at"]) < end)
            for start, end in bounds
        )
    ]
    records = await queries.records_of_member(db, group_id, member_id)
    new: dict[tuple[int, int], Values] = {}
    for s in counting:
        record = records.get(s["id"])
        new[(s["id"], member_id)] = (
            (record["status"], record["participation"], record["purpose_mask"])
            if record is not None
            else (ABSENT, None, 0)
        )
    old = {
        (r["session"], member_id): r for r in await queries.facts_of_member(db, group_id, member_id)
    }
    starts = {s["id"]: s["starts_at"] for s in counting}
    touched_sessions = await _apply(
        db,
        group_id,
        [(sid, member_id, starts[sid]) for sid, _ in new],
        old=old,
        new=new,
        by_session=True,
    )
    if not touched_sessions:
        return
    await _renumber_all(db, group_id, member_id)
    await _recount_sessions(db, group_id, touched_sessions)


async def group_changed(db: Connection, group_id: int) -> None:
    """Something that decides every member's counting sessions changed (the time zone)."""
    await rebuild(db, group_id)


async def _apply(
    db: Connection,
    group_id: int,
    wanted: list[tuple[int, int, datetime]],
    *,
    old: dict[tuple[int, int], dict[str, Any]],
    new: dict[tuple[int, int], Values],
    by_session: bool = False,
) -> set[int]:
    """Bring the facts of ``old`` to ``new`` (keys: session, member). Returns the members (or,
    with ``by_session``, the sessions) whose running totals must be recomputed."""
    zero = (0,) * len(FACT_COLUMNS)
    starts = {(sid, mid): at for sid, mid, at in wanted}
    inserts = [
        (sid, group_id, mid, starts[(sid, mid)], *values, *zero)
        for (sid, mid), values in new.items()
        if (sid, mid) not in old
    ]
    deletes = [row["id"] for key, row in old.items() if key not in new]
    value_updates = []
    moved: set[int] = set()
    for key, values in new.items():
        row = old.get(key)
        if row is None:
            moved.add(key[0] if by_session else key[1])
            continue
        if (row["status"], row["participation"], row["purpose_mask"]) != values:
            value_updates.append((*values, row["id"]))
            if (row["status"], row["purpose_mask"]) != (values[0], values[2]):
                moved.add(key[0] if by_session else key[1])
    for key in old:
        if key not in new:
            moved.add(key[0] if by_session else key[1])
    await queries.delete_facts(db, deletes)
    await queries.update_fact_values(db, value_updates)
    await queries.insert_facts(db, inserts)
    return moved


async def _renumber(
    db: Connection, group_id: int, members: Sequence[int], starts_at: datetime, session_id: int
) -> None:
    """Recompute the members' running totals from (``starts_at``, ``session_id``) on."""
    before = await queries.facts_before(db, group_id, members, starts_at, session_id)
    after = await queries.facts_from(db, group_id, members, starts_at, session_id)
    updates: list[tuple[Any, ...]] = []
    last: dict[int, tuple[Running, datetime]] = {
        m: (running_of(row), row["starts_at"]) for m, row in before.items()
    }
    for member_id, rows in itertools.groupby(after, key=lambda r: r["member"]):
        state = last[member_id][0] if member_id in last else None
        for row in rows:
            state = advance(state, row["status"], row["purpose_mask"])
            if state != running_of(row):
                updates.append((*state, row["id"]))
            last[member_id] = (state, row["starts_at"])
    await queries.update_running(db, updates)
    await _keep_member_figures(db, group_id, members, last)


async def _renumber_all(db: Connection, group_id: int, member_id: int) -> None:
    rows = await queries.facts_of_member(db, group_id, member_id)
    state: Running | None = None
    updates = []
    last: dict[int, tuple[Running, datetime]] = {}
    for row in rows:
        state = advance(state, row["status"], row["purpose_mask"])
        if state != running_of(row):
            updates.append((*state, row["id"]))
        last[member_id] = (state, row["starts_at"])
    await queries.update_running(db, updates)
    await _keep_member_figures(db, group_id, [member_id], last)


async def _keep_member_figures(
    db: Connection,
    group_id: int,
    members: Iterable[int],
    last: dict[int, tuple[Running, datetime]],
) -> None:
    upserts = []
    for member_id in members:
        if member_id not in last:
            await queries.delete_member_figures(db, group_id, member_id)
            continue
        running, at = last[member_id]
        figures = whole_history(running)
        upserts.append(
            (
                group_id,
                member_id,
                figures.held,
                figures.present,
                figures.late,
                figures.excused,
                figures.absent,
                figures.absence_streak,
                figures.recent_held,
                figures.recent_attended,
                at,
            )
        )
    await queries.upsert_member_figures(db, upserts)


async def _recount_sessions(db: Connection, group_id: int, session_ids: set[int]) -> None:
    facts = await queries.facts_of_sessions(db, session_ids)
    by_session: dict[int, list[Values]] = {sid: [] for sid in session_ids}
    for row in facts:
        by_session[row["session"]].append((row["status"], None, row["purpose_mask"]))
    held = {s["id"]: s["starts_at"] for s in await queries.held_sessions(db, group_id)}
    await queries.upsert_session_figures(
        db,
        [
            _session_figures(sid, group_id, held[sid], values)
            for sid, values in by_session.items()
            if sid in held
        ],
    )


def _session_figures(
    session_id: int, group_id: int, starts_at: datetime, values: list[Values]
) -> tuple[Any, ...]:
    counts = {status: 0 for status in AttendanceStatus}
    served = 0
    for status, _participation, mask in values:
        counts[AttendanceStatus(status)] += 1
        if status in ATTENDED_STATUSES:
            served |= mask
    return (
        session_id,
        group_id,
        starts_at,
        len(values),
        counts[AttendanceStatus.PRESENT],
        counts[AttendanceStatus.LATE],
        counts[AttendanceStatus.EXCUSED],
        counts[AttendanceStatus.ABSENT],
        served,
    )


async def _timezone(db: Connection, group_id: int) -> str:
    return await db.fetch_value(queries.GROUP_TIMEZONE, group_id)


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Figures:
    """A member's figures over held sessions of one group (a period, or the whole history)."""

    held: int = 0
    present: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0
    absence_streak: int = 0
    recent_held: int = 0
    recent_attended: int = 0
    served: tuple[int, ...] = (0,) * 6


def _figures(hi: Running, lo: Running | None) -> Figures:
    lo = lo or (0,) * len(FACT_COLUMNS)
    held = hi[0] - lo[0]
    if held <= 0:
        return Figures()
    recent = min(RECENT_SESSIONS, held)
    return Figures(
        held=held,
        present=hi[1] - lo[1],
        late=hi[2] - lo[2],
        excused=hi[3] - lo[3],
        absent=hi[4] - lo[4],
        absence_streak=min(hi[5], held),
        recent_held=recent,
        recent_attended=(hi[6] & ((1 << recent) - 1)).bit_count(),
        served=tuple(h - low for h, low in zip(hi[7:], lo[7:], strict=True)),
    )


def whole_history(running: Running) -> Figures:
    return _figures(running, None)


async def member_figures(
    db: Connection, group_id: int, lo: datetime | None = None, hi: datetime | None = None
) -> dict[int, Figures]:
    """Each member's figures over the group's held sessions starting in [lo, hi)."""
    width = len(FACT_COLUMNS)
    result = {}
    for row in await queries.range_figures(db, group_id, lo, hi):
        low = row[1 + width : 1 + 2 * width]
        result[row[0]] = _figures(row[1 : 1 + width], low if low and low[0] is not None else None)
    return result


@dataclass(frozen=True, slots=True)
class SessionCounts:
    session_id: int
    starts_at: datetime
    counted: int
    present: int
    late: int
    excused: int
    absent: int
    served_mask: int


async def session_figures(
    db: Connection, group_id: int, lo: datetime | None = None, hi: datetime | None = None
) -> list[SessionCounts]:
    """The group's held sessions starting in [lo, hi) with their counts, in time order."""
    return [
        SessionCounts(session, moment(at), *counts)
        for session, at, *counts in await queries.session_figures(db, group_id, lo, hi)
    ]


# ---------------------------------------------------------------------------- rebuild


async def rebuild(db: Connection, group_id: int | None = None) -> dict[str, int]:
    """Recompute every kept figure (of one group, or all) from the source tables."""
    periods = []
    for row in await queries.counting_periods(db, group_id):
        end = None if row["left_on"] is None else as_date(row["left_on"])
        periods.append(
            (
                row["group_id"],
                row["member"],
                local_midnight_utc(as_date(row["joined_on"]), row["timezone"]),
                None
                if end is None
                else local_midnight_utc(end + timedelta(days=1), row["timezone"]),
            )
        )
    return await queries.rebuild(db, periods, group_id)
