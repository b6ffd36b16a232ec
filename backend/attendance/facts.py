"""The reference definitions of every attendance figure, as SQL over the source tables.

Lingkar keeps its figures (:mod:`backend.figures`); these statements compute the same figures
from scratch, the way the first version did on every read. The property test holds the kept
figures equal to them.


Definitions (the same everywhere: member views, the group report, the CSV, the pages):

* A session is **held** when its roll has been taken (``roll_taken_at`` is set) and it is not
  cancelled. A past session without a roll is *awaiting roll call* and counts in no figure.
* A member **counts** for a held session when one of their membership periods in the group
  (active or ended, with ``joined_on``) covers the session's local date in the group's time
  zone: ``joined_on <= date <= left_on`` (or no ``left_on``).
* A held session in which a counting member has **no record counts as absent**: the roll call
  is the whole roll, so leaving someone out of it means they were not there.

Membership periods are turned into UTC bounds in Python (the group's time zone decides where a
local day starts, which SQLite cannot do) and passed to the query as a small ``periods`` CTE;
everything else - which sessions are held, who counts, the effective status, the most recent
sessions per member - is SQL, so the figures come from GROUP BY and window functions on both
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from backend.db.sql import SQLITE
from backend.domain.vocabulary import AttendanceStatus, MembershipStatus, SessionStatus

PRESENT, LATE, EXCUSED, ABSENT = (f"'{s.value}'" for s in AttendanceStatus)
CANCELLED = f"'{SessionStatus.CANCELLED.value}'"
COUNTING = ", ".join(f"'{s}'" for s in (MembershipStatus.ACTIVE, MembershipStatus.ENDED))


def local_midnight_utc(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    return as_utc(moment).astimezone(ZoneInfo(timezone)).date()


def as_utc(value: Any) -> datetime:
    """A timestamp from a raw query (SQLite gives text when the column type is lost)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def rate(attended: int, held: int) -> float | None:
    """(present + late) / held rounded to 4 decimals; ``None`` when nothing was held."""
    return round(attended / held, 4) if held else None


def ts(dialect: str) -> str:
    """A timestamp placeholder: typed for PostgreSQL, plain for SQLite (which stores text)."""
    return "{}" if dialect == SQLITE else "CAST({} AS TIMESTAMPTZ)"


def periods_cte(
    dialect: str, periods: Sequence[tuple[int, int, datetime, datetime | None]]
) -> tuple[str, list[Any]]:
    """``periods(grp, member, start_utc, end_utc)`` from (group, member, start, end) tuples."""
    t = ts(dialect)
    if not periods:
        return (
            f"periods AS (SELECT CAST(0 AS INTEGER) AS grp, CAST(0 AS INTEGER) AS member, "
            f"{t} AS start_utc, {t} AS end_utc WHERE 1 = 0)",
            [None, None],
        )
    selects = []
    args: list[Any] = []
    for index, (group_id, member_id, start, end) in enumerate(periods):
        if index == 0:
            selects.append(
                f"SELECT CAST({{}} AS INTEGER) AS grp, CAST({{}} AS INTEGER) AS member, "
                f"{t} AS start_utc, {t} AS end_utc"
            )
        else:
            selects.append(f"SELECT CAST({{}} AS INTEGER), CAST({{}} AS INTEGER), {t}, {t}")
        args.extend([group_id, member_id, start, end])
    return "periods AS (" + " UNION ALL ".join(selects) + ")", args


def facts_ctes(
    dialect: str,
    periods: Sequence[tuple[int, int, datetime, datetime | None]],
    *,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> tuple[str, list[Any]]:
    """``WITH periods, held, eligible, facts``: one row per counting (held session, member).

    ``facts`` has ``session, grp, starts_at, member, status`` (the effective status: absent
    when there is no record), ``participation, purpose_mask`` and ``recent`` (1 = the member's
    most recent counting held session).
    """
    t = ts(dialect)
    periods_sql, args = periods_cte(dialect, periods)
    # The groups as bound values (not a sub-select of the CTE), so the planner can use the
    # (group, starts_at) index of group_session instead of scanning every session.
    group_ids = sorted({period[0] for period in periods}) or [0]
    args.extend(group_ids)
    range_sql = ""
    if starts_from is not None:
        range_sql += f" AND s.starts_at >= {t}"
        args.append(starts_from)
    if starts_before is not None:
        range_sql += f" AND s.starts_at < {t}"
        args.append(starts_before)
    sql = (
        "WITH "
        + periods_sql
        + ', held AS (SELECT s.id, s."group" AS grp, s.starts_at FROM group_session s '
        'WHERE s."group" IN (' + ", ".join("{}" for _ in group_ids) + ") "
        f"AND s.status <> {CANCELLED} "
        "AND s.roll_taken_at IS NOT NULL" + range_sql + "), "
        "eligible AS (SELECT DISTINCT h.id AS session, h.grp, h.starts_at, p.member "
        "FROM held h JOIN periods p ON p.grp = h.grp AND h.starts_at >= p.start_utc "
        "AND (p.end_utc IS NULL OR h.starts_at < p.end_utc)), "
        "facts AS (SELECT e.session, e.grp, e.starts_at, e.member, "
        f"COALESCE(a.status, {ABSENT}) AS status, a.participation, "
        "COALESCE(a.purpose_mask, 0) AS purpose_mask, "
        "ROW_NUMBER() OVER (PARTITION BY e.member ORDER BY e.starts_at DESC, e.session DESC)"
        " AS recent "
        "FROM eligible e LEFT JOIN attendance a ON a.session = e.session AND a.member = e.member)"
    )
    return sql, args


# Per-member figures over ``facts``; ``streak`` is the number of most recent counting held
# sessions in a row with the effective status absent (excused, late and present end it).
MEMBER_FIGURES = (
    "COUNT(*) AS held, "
    f"SUM(CASE WHEN f.status = {PRESENT} THEN 1 ELSE 0 END) AS present, "
    f"SUM(CASE WHEN f.status = {LATE} THEN 1 ELSE 0 END) AS late, "
    f"SUM(CASE WHEN f.status = {EXCUSED} THEN 1 ELSE 0 END) AS excused, "
    f"SUM(CASE WHEN f.status = {ABSENT} THEN 1 ELSE 0 END) AS absent, "
    f"COALESCE(MIN(CASE WHEN f.status <> {ABSENT} THEN f.recent END) - 1, COUNT(*)) AS streak, "
    "SUM(CASE WHEN f.recent <= 4 THEN 1 ELSE 0 END) AS recent_held, "
    f"SUM(CASE WHEN f.recent <= 4 AND f.status IN ({PRESENT}, {LATE}) THEN 1 ELSE 0 END)"
    " AS recent_attended"
)


def period_bounds(
    rows: Iterable[dict[str, Any]],
) -> list[tuple[int, int, datetime, datetime | None]]:
    """Membership rows (group, member, joined_on, left_on, timezone) -> UTC period bounds."""
    bounds = []
    for row in rows:
        joined = row["joined_on"]
        if joined is None:
            continue
        if isinstance(joined, str):
            joined = date.fromisoformat(joined)
        left = row["left_on"]
        if isinstance(left, str):
            left = date.fromisoformat(left)
        start = local_midnight_utc(joined, row["timezone"])
        end = (
            None if left is None else local_midnight_utc(left + timedelta(days=1), row["timezone"])
        )
        bounds.append((row["group"], row["member"], start, end))
    return bounds


PERIODS_SELECT = (
    'SELECT ms."group" AS "group", ms.member, ms.joined_on, ms.left_on, g.timezone '
    'FROM membership ms JOIN work_group g ON g.id = ms."group" '
    f"WHERE ms.status IN ({COUNTING}) AND ms.joined_on IS NOT NULL"
)
