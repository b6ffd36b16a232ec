"""Every statement of the kept attendance figures.

Values such as statuses are bound (they come from :mod:`backend.domain`); lists of ids are
passed as one value (a JSON array on SQLite, an array on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from backend.db import SQL, Connection
from backend.db.sql import cached
from backend.domain.vocabulary import COUNTING_MEMBERSHIPS, AttendanceStatus, SessionStatus
from backend.lib.moments import as_date

PRESENT, LATE, EXCUSED, ABSENT = (s.value for s in AttendanceStatus)
CANCELLED = SessionStatus.CANCELLED.value

FACT_COLUMNS = (
    "seq",
    "c_present",
    "c_late",
    "c_excused",
    "c_absent",
    "absent_run",
    "recent_bits",
    "c_served_1",
    "c_served_2",
    "c_served_3",
    "c_served_4",
    "c_served_5",
    "c_served_6",
)
_FACT_SELECT = (
    "f.id, f.session, f.member, f.starts_at, f.status, f.participation, f.purpose_mask, "
    + ", ".join(f"f.{c}" for c in FACT_COLUMNS)
)


# ---------------------------------------------------------------------------- sources

SESSION = SQL(
    'SELECT s.id, s."group" AS group_id, s.starts_at, s.status, s.roll_taken_at, g.timezone '
    'FROM group_session s JOIN work_group g ON g.id = s."group" WHERE s.id = {}'
)
COUNTING_MEMBERS = SQL(
    "SELECT DISTINCT ms.member FROM membership ms "
    'WHERE ms."group" = {} AND ms.status IN ({}, {}) AND ms.joined_on IS NOT NULL '
    "AND ms.joined_on <= {} AND (ms.left_on IS NULL OR ms.left_on >= {})"
)
RECORDS_OF_SESSION = SQL(
    "SELECT member, status, participation, purpose_mask FROM attendance WHERE session = {}"
)
PERIODS_OF_MEMBER = SQL(
    "SELECT ms.joined_on, ms.left_on FROM membership ms "
    'WHERE ms."group" = {} AND ms.member = {} AND ms.status IN ({}, {}) '
    "AND ms.joined_on IS NOT NULL"
)
HELD_SESSIONS = SQL(
    'SELECT s.id, s.starts_at FROM group_session s WHERE s."group" = {} '
    "AND s.roll_taken_at IS NOT NULL AND s.status <> {} ORDER BY s.starts_at, s.id"
)
RECORDS_OF_MEMBER = SQL(
    "SELECT session, status, participation, purpose_mask FROM attendance "
    'WHERE "group" = {} AND member = {}'
)
MEMBERS_OF_GROUP = SQL(
    'SELECT DISTINCT member FROM membership WHERE "group" = {} '
    'UNION SELECT member FROM attendance_fact WHERE "group" = {}'
)


async def session(db: Connection, session_id: int) -> dict[str, Any] | None:
    return await db.fetch_one(SESSION, session_id)


async def counting_members(db: Connection, group_id: int, day: date) -> list[int]:
    rows = await db.fetch(COUNTING_MEMBERS, group_id, *COUNTING_MEMBERSHIPS, day, day)
    return [r["member"] for r in rows]


async def records_of_session(db: Connection, session_id: int) -> dict[int, dict[str, Any]]:
    return {r["member"]: r for r in await db.fetch(RECORDS_OF_SESSION, session_id)}


async def periods_of_member(
    db: Connection, group_id: int, member_id: int
) -> list[tuple[date, date | None]]:
    rows = await db.fetch(PERIODS_OF_MEMBER, group_id, member_id, *COUNTING_MEMBERSHIPS)
    return [
        (as_date(r["joined_on"]), None if r["left_on"] is None else as_date(r["left_on"]))
        for r in rows
    ]


async def held_sessions(db: Connection, group_id: int) -> list[dict[str, Any]]:
    return await db.fetch(HELD_SESSIONS, group_id, CANCELLED)


async def records_of_member(
    db: Connection, group_id: int, member_id: int
) -> dict[int, dict[str, Any]]:
    return {r["session"]: r for r in await db.fetch(RECORDS_OF_MEMBER, group_id, member_id)}


async def members_of_group(db: Connection, group_id: int) -> list[int]:
    return sorted(r["member"] for r in await db.fetch(MEMBERS_OF_GROUP, group_id, group_id))


# ---------------------------------------------------------------------------- facts

FACTS_OF_SESSION = SQL(f"SELECT {_FACT_SELECT} FROM attendance_fact f WHERE f.session = {{}}")
FACTS_OF_MEMBER = SQL(
    f"SELECT {_FACT_SELECT} FROM attendance_fact f "
    'WHERE f."group" = {} AND f.member = {} ORDER BY f.starts_at, f.session'
)
_LAST_BEFORE = (
    "SELECT (SELECT x.id FROM attendance_fact x "
    'WHERE x."group" = {} AND x.member = ids.value AND (x.starts_at, x.session) < ({}, {}) '
    "ORDER BY x.starts_at DESC, x.session DESC LIMIT 1) "
)
FACTS_BEFORE = SQL(
    f"SELECT {_FACT_SELECT} FROM attendance_fact f WHERE f.id IN ("
    + _LAST_BEFORE
    + "FROM (SELECT value FROM json_each({})) ids)",
    postgres=f"SELECT {_FACT_SELECT} FROM attendance_fact f WHERE f.id IN ("
    + _LAST_BEFORE
    + "FROM unnest(CAST({} AS BIGINT[])) AS ids(value))",
)
FACTS_FROM = SQL(
    f"SELECT {_FACT_SELECT} FROM attendance_fact f "
    'WHERE f."group" = {} AND (f.starts_at, f.session) >= ({}, {}) '
    "AND f.member IN_IDS({}) ORDER BY f.member, f.starts_at, f.session"
)
FACTS_OF_SESSIONS = SQL(
    "SELECT f.session, f.status, f.purpose_mask FROM attendance_fact f WHERE f.session IN_IDS({})"
)
INSERT_FACT = SQL(
    'INSERT INTO attendance_fact (session, "group", member, starts_at, status, participation, '
    "purpose_mask, "
    + ", ".join(FACT_COLUMNS)
    + ") VALUES ("
    + ", ".join(["{}"] * (7 + len(FACT_COLUMNS)))
    + ")"
)
UPDATE_FACT_VALUES = SQL(
    "UPDATE attendance_fact SET status = {}, participation = {}, purpose_mask = {} WHERE id = {}"
)
UPDATE_RUNNING = SQL(
    "UPDATE attendance_fact SET "
    + ", ".join(f"{c} = {{}}" for c in FACT_COLUMNS)
    + " WHERE id = {}"
)
UPDATE_FACT = SQL(
    "UPDATE attendance_fact SET status = {}, participation = {}, purpose_mask = {}, "
    + ", ".join(f"{c} = {{}}" for c in FACT_COLUMNS)
    + " WHERE id = {}"
)
DELETE_FACT = SQL("DELETE FROM attendance_fact WHERE id = {}")
LATER_FACT = SQL(
    'SELECT 1 AS later FROM attendance_fact WHERE "group" = {} AND (starts_at, session) > ({}, {}) '
    "LIMIT 1"
)


async def facts_of_session(db: Connection, session_id: int) -> dict[int, dict[str, Any]]:
    return {r["member"]: r for r in await db.fetch(FACTS_OF_SESSION, session_id)}


async def facts_of_member(db: Connection, group_id: int, member_id: int) -> list[dict[str, Any]]:
    return await db.fetch(FACTS_OF_MEMBER, group_id, member_id)


async def facts_before(
    db: Connection, group_id: int, members: Sequence[int], starts_at: datetime, session_id: int
) -> dict[int, dict[str, Any]]:
    """Each member's last fact in the group before (``starts_at``, ``session_id``)."""
    rows = await db.fetch(FACTS_BEFORE, group_id, starts_at, session_id, db.ids(members))
    return {r["member"]: r for r in rows}


async def facts_from(
    db: Connection, group_id: int, members: Sequence[int], starts_at: datetime, session_id: int
) -> list[dict[str, Any]]:
    """The members' facts in the group from (``starts_at``, ``session_id``) on, in order."""
    return await db.fetch(FACTS_FROM, group_id, starts_at, session_id, db.ids(members))


async def facts_of_sessions(db: Connection, session_ids: Iterable[int]) -> list[dict[str, Any]]:
    return await db.fetch(FACTS_OF_SESSIONS, db.ids(session_ids))


async def insert_facts(db: Connection, rows: list[Sequence[Any]]) -> None:
    if rows:
        await db.execute_many(INSERT_FACT, rows)


async def update_fact_values(db: Connection, rows: list[Sequence[Any]]) -> None:
    if rows:
        await db.execute_many(UPDATE_FACT_VALUES, rows)


async def later_fact_exists(
    db: Connection, group_id: int, starts_at: datetime, session_id: int
) -> bool:
    """Whether the group has a fact after (``starts_at``, ``session_id``)."""
    return await db.fetch_one(LATER_FACT, group_id, starts_at, session_id) is not None


async def update_facts(db: Connection, rows: list[Sequence[Any]]) -> None:
    """Rows of (status, participation, purpose_mask, *running totals, id)."""
    if rows:
        await db.execute_many(UPDATE_FACT, rows)


async def update_running(db: Connection, rows: list[Sequence[Any]]) -> None:
    if rows:
        await db.execute_many(UPDATE_RUNNING, rows)


async def delete_facts(db: Connection, ids: Iterable[int]) -> None:
    rows = [(i,) for i in ids]
    if rows:
        await db.execute_many(DELETE_FACT, rows)


# ---------------------------------------------------------------------------- figures

UPSERT_SESSION_FIGURES = SQL(
    'INSERT INTO session_figures (session, "group", starts_at, counted, present, late, excused, '
    "absent, served_mask) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) "
    'ON CONFLICT (session) DO UPDATE SET "group" = excluded."group", '
    "starts_at = excluded.starts_at, counted = excluded.counted, present = excluded.present, "
    "late = excluded.late, excused = excluded.excused, absent = excluded.absent, "
    "served_mask = excluded.served_mask"
)
DELETE_SESSION_FIGURES = SQL("DELETE FROM session_figures WHERE session = {}")
UPSERT_MEMBER_FIGURES = SQL(
    'INSERT INTO member_group_figures ("group", member, held, present, late, excused, absent, '
    "absence_streak, recent_held, recent_attended, last_held_at) "
    "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
    'ON CONFLICT ("group", member) DO UPDATE SET held = excluded.held, '
    "present = excluded.present, late = excluded.late, excused = excluded.excused, "
    "absent = excluded.absent, absence_streak = excluded.absence_streak, "
    "recent_held = excluded.recent_held, recent_attended = excluded.recent_attended, "
    "last_held_at = excluded.last_held_at"
)
DELETE_MEMBER_FIGURES = SQL('DELETE FROM member_group_figures WHERE "group" = {} AND member = {}')


async def upsert_session_figures(db: Connection, rows: list[Sequence[Any]]) -> None:
    if rows:
        await db.execute_many(UPSERT_SESSION_FIGURES, rows)


async def delete_session_figures(db: Connection, session_id: int) -> None:
    await db.execute(DELETE_SESSION_FIGURES, session_id)


async def upsert_member_figures(db: Connection, rows: list[Sequence[Any]]) -> None:
    if rows:
        await db.execute_many(UPSERT_MEMBER_FIGURES, rows)


async def delete_member_figures(db: Connection, group_id: int, member_id: int) -> None:
    await db.execute(DELETE_MEMBER_FIGURES, group_id, member_id)


# ---------------------------------------------------------------------------- reading

_BOUNDARY = (
    '(SELECT x.id FROM attendance_fact x WHERE x."group" = mg."group" '
    "AND x.member = mg.member AND x.starts_at < {} ORDER BY x.starts_at DESC, x.session DESC "
    "LIMIT 1)"
)
_RUNNING = (
    ", ".join(f"h.{c}" for c in FACT_COLUMNS)
    + ", "
    + ", ".join(f"l.{c} AS lo_{c}" for c in FACT_COLUMNS)
)
# Per member of the group: the last fact before ``hi`` and the last before ``lo``; a period's
# figures are their difference.
RANGE_FIGURES = SQL(
    "WITH b AS MATERIALIZED (SELECT mg.member, "
    + _BOUNDARY
    + " AS hi_id, "
    + _BOUNDARY
    + ' AS lo_id FROM member_group_figures mg WHERE mg."group" = {}) '
    f"SELECT b.member, {_RUNNING} FROM b JOIN attendance_fact h ON h.id = b.hi_id "
    "LEFT JOIN attendance_fact l ON l.id = b.lo_id"
)
LAST_FIGURES = SQL(
    "WITH b AS MATERIALIZED (SELECT mg.member, (SELECT x.id FROM attendance_fact x "
    'WHERE x."group" = mg."group" AND x.member = mg.member '
    "ORDER BY x.starts_at DESC, x.session DESC LIMIT 1) AS hi_id "
    'FROM member_group_figures mg WHERE mg."group" = {}) '
    "SELECT b.member, "
    + ", ".join(f"h.{c}" for c in FACT_COLUMNS)
    + " FROM b JOIN attendance_fact h ON h.id = b.hi_id"
)
SESSION_FIGURES = SQL(
    "SELECT sf.session, sf.starts_at, sf.counted, sf.present, sf.late, sf.excused, sf.absent, "
    'sf.served_mask FROM session_figures sf WHERE sf."group" = {} '
    "AND sf.starts_at >= {} AND sf.starts_at < {} ORDER BY sf.starts_at, sf.session"
)
ALL_SESSION_FIGURES = SQL(
    "SELECT sf.session, sf.starts_at, sf.counted, sf.present, sf.late, sf.excused, sf.absent, "
    'sf.served_mask FROM session_figures sf WHERE sf."group" = {} '
    "ORDER BY sf.starts_at, sf.session"
)


async def range_figures(
    db: Connection, group_id: int, lo: datetime | None, hi: datetime | None
) -> list[tuple[Any, ...]]:
    """Running totals at the edges of [lo, hi) for every member with facts in the group:
    (member, the FACT_COLUMNS at the last fact before ``hi``, then those before ``lo``)."""
    if lo is None and hi is None:
        return await db.fetch_tuples(LAST_FIGURES, group_id)
    return await db.fetch_tuples(RANGE_FIGURES, hi or _FAR_FUTURE, lo or _FAR_PAST, group_id)


async def session_figures(
    db: Connection, group_id: int, lo: datetime | None, hi: datetime | None
) -> list[tuple[Any, ...]]:
    """(session, starts_at, counted, present, late, excused, absent, served_mask) rows."""
    if lo is None and hi is None:
        return await db.fetch_tuples(ALL_SESSION_FIGURES, group_id)
    return await db.fetch_tuples(SESSION_FIGURES, group_id, lo or _FAR_PAST, hi or _FAR_FUTURE)


# Beyond the years any stored time can have (see backend.lib.moments).
_FAR_PAST = datetime(1800, 1, 1, tzinfo=UTC)
_FAR_FUTURE = datetime(2300, 1, 1, tzinfo=UTC)


GROUP_TIMEZONE = SQL("SELECT timezone FROM work_group WHERE id = {}")

# ---------------------------------------------------------------------------- rebuild

_ALL = "1 = 1"
_ONE_GROUP = "GROUP_COLUMN = {}"
COUNTING_PERIODS = (
    'SELECT ms."group" AS group_id, ms.member, ms.joined_on, ms.left_on, g.timezone '
    'FROM membership ms JOIN work_group g ON g.id = ms."group" '
    "WHERE ms.status IN ({}, {}) AND ms.joined_on IS NOT NULL AND "
)
CREATE_PERIODS = SQL(
    "CREATE TEMP TABLE rebuild_periods (grp INTEGER, member INTEGER, "
    "start_utc TIMESTAMPTZ, end_utc TIMESTAMPTZ)"
)
DROP_PERIODS = SQL("DROP TABLE IF EXISTS rebuild_periods")
INSERT_PERIOD = SQL("INSERT INTO rebuild_periods VALUES ({}, {}, {}, {})")

_SERVED = ", ".join(
    f"SUM(CASE WHEN n.att = 1 AND (n.purpose_mask & {bit}) <> 0 THEN 1 ELSE 0 END) OVER w "
    f"AS c_served_{number}"
    for number, bit in ((n + 1, 1 << n) for n in range(6))
)
REBUILD_FACTS = (
    'WITH held AS (SELECT s.id, s."group" AS grp, s.starts_at FROM group_session s '
    "WHERE s.roll_taken_at IS NOT NULL AND s.status <> {} AND FILTER_HELD), "
    "eligible AS (SELECT DISTINCT h.id AS session, h.grp, h.starts_at, p.member FROM held h "
    "JOIN rebuild_periods p ON p.grp = h.grp AND h.starts_at >= p.start_utc "
    "AND (p.end_utc IS NULL OR h.starts_at < p.end_utc)), "
    "facts AS (SELECT e.session, e.grp, e.member, e.starts_at, "
    "COALESCE(a.status, {}) AS status, a.participation, "
    "COALESCE(a.purpose_mask, 0) AS purpose_mask, "
    "CASE WHEN a.status IN ({}, {}) THEN 1 ELSE 0 END AS att "
    "FROM eligible e LEFT JOIN attendance a ON a.session = e.session AND a.member = e.member), "
    "numbered AS (SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.grp, f.member "
    "ORDER BY f.starts_at, f.session) AS seq FROM facts f), "
    "running AS (SELECT n.session, n.grp, n.member, n.starts_at, n.status, n.participation, "
    "n.purpose_mask, n.seq, "
    "SUM(CASE WHEN n.status = {} THEN 1 ELSE 0 END) OVER w AS c_present, "
    "SUM(CASE WHEN n.status = {} THEN 1 ELSE 0 END) OVER w AS c_late, "
    "SUM(CASE WHEN n.status = {} THEN 1 ELSE 0 END) OVER w AS c_excused, "
    "SUM(CASE WHEN n.status = {} THEN 1 ELSE 0 END) OVER w AS c_absent, "
    "n.seq - COALESCE(MAX(CASE WHEN n.status <> {} THEN n.seq END) OVER w, 0) AS absent_run, "
    "n.att + 2 * COALESCE(LAG(n.att, 1) OVER w, 0) + 4 * COALESCE(LAG(n.att, 2) OVER w, 0) "
    "+ 8 * COALESCE(LAG(n.att, 3) OVER w, 0) AS recent_bits, "
    + _SERVED
    + " FROM numbered n WINDOW w AS (PARTITION BY n.grp, n.member ORDER BY n.seq "
    "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) "
    'INSERT INTO attendance_fact (session, "group", member, starts_at, status, participation, '
    "purpose_mask, "
    + ", ".join(FACT_COLUMNS)
    + ") SELECT session, grp, member, starts_at, status, participation, purpose_mask, "
    + ", ".join(FACT_COLUMNS)
    + " FROM running"
)
_SERVED_MASK = " + ".join(
    f"MAX(CASE WHEN f.status IN ({{}}, {{}}) AND (f.purpose_mask & {bit}) <> 0 "
    f"THEN {bit} ELSE 0 END)"
    for bit in (1 << n for n in range(6))
)
REBUILD_SESSIONS = (
    'INSERT INTO session_figures (session, "group", starts_at, counted, present, late, '
    "excused, absent, served_mask) "
    'SELECT s.id, s."group", s.starts_at, COUNT(f.id), '
    "COALESCE(SUM(CASE WHEN f.status = {} THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN f.status = {} THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN f.status = {} THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN f.status = {} THEN 1 ELSE 0 END), 0), "
    "COALESCE(" + _SERVED_MASK + ", 0) "
    "FROM group_session s LEFT JOIN attendance_fact f ON f.session = s.id "
    "WHERE s.roll_taken_at IS NOT NULL AND s.status <> {} AND FILTER_HELD "
    'GROUP BY s.id, s."group", s.starts_at'
)
REBUILD_MEMBERS = (
    'INSERT INTO member_group_figures ("group", member, held, present, late, excused, absent, '
    "absence_streak, recent_held, recent_attended, last_held_at) "
    'SELECT f."group", f.member, f.seq, f.c_present, f.c_late, f.c_excused, f.c_absent, '
    "f.absent_run, CASE WHEN f.seq < 4 THEN f.seq ELSE 4 END, "
    "(f.recent_bits & 1) + (f.recent_bits & 2) / 2 + (f.recent_bits & 4) / 4 "
    "+ (f.recent_bits & 8) / 8, f.starts_at FROM attendance_fact f "
    "WHERE f.seq = (SELECT MAX(x.seq) FROM attendance_fact x "
    'WHERE x."group" = f."group" AND x.member = f.member) AND FILTER_FACTS'
)
DELETE_KEPT = (
    "DELETE FROM attendance_fact WHERE FILTER_GROUP",
    "DELETE FROM session_figures WHERE FILTER_GROUP",
    "DELETE FROM member_group_figures WHERE FILTER_GROUP",
)
COUNT_KEPT = (
    ("attendance_fact", "SELECT COUNT(*) AS n FROM attendance_fact WHERE FILTER_GROUP"),
    ("session_figures", "SELECT COUNT(*) AS n FROM session_figures WHERE FILTER_GROUP"),
    ("member_group_figures", "SELECT COUNT(*) AS n FROM member_group_figures WHERE FILTER_GROUP"),
)


def _filtered(template: str, group_id: int | None) -> SQL:
    def condition(column: str) -> str:
        return _ALL if group_id is None else _ONE_GROUP.replace("GROUP_COLUMN", column)

    return cached(
        template.replace("FILTER_HELD", condition('s."group"'))
        .replace("FILTER_FACTS", condition('f."group"'))
        .replace("FILTER_GROUP", condition('"group"'))
    )


async def counting_periods(db: Connection, group_id: int | None) -> list[dict[str, Any]]:
    condition = _ALL if group_id is None else 'ms."group" = {}'
    return await db.fetch(
        cached(COUNTING_PERIODS + condition),
        *COUNTING_MEMBERSHIPS,
        *([] if group_id is None else [group_id]),
    )


async def rebuild(
    db: Connection,
    periods: list[tuple[int, int, datetime, datetime | None]],
    group_id: int | None,
) -> dict[str, int]:
    one = [] if group_id is None else [group_id]
    for statement in DELETE_KEPT:
        await db.execute(_filtered(statement, group_id), *one)
    await db.execute(DROP_PERIODS)
    await db.execute(CREATE_PERIODS)
    await db.execute_many(INSERT_PERIOD, periods)
    await db.execute(
        _filtered(REBUILD_FACTS, group_id),
        CANCELLED,
        *one,
        ABSENT,
        PRESENT,
        LATE,
        PRESENT,
        LATE,
        EXCUSED,
        ABSENT,
        ABSENT,
    )
    await db.execute(DROP_PERIODS)
    await db.execute(
        _filtered(REBUILD_SESSIONS, group_id),
        PRESENT,
        LATE,
        EXCUSED,
        ABSENT,
        *[PRESENT, LATE] * 6,
        CANCELLED,
        *one,
    )
    await db.execute(_filtered(REBUILD_MEMBERS, group_id), *one)
    counts = {}
    for name, statement in COUNT_KEPT:
        counts[name] = int(await db.fetch_value(_filtered(statement, group_id), *one))
    return counts
