"""Synthetic Lingkar data, written with bulk paths.

SQLite: the file is migrated with ``lingkar migrate`` and filled with ``executemany``.
PostgreSQL: the database is migrated the same way and filled with asyncpg's
``copy_records_to_table``. Every column of every filled table gets a value, in the form Piccolo
stores it (on SQLite: timestamps as ``str()`` of a UTC-aware datetime, dates as ``YYYY-MM-DD``,
booleans as 0/1).

Shape: groups of ``members_per_group`` active members, weekly sessions in the past (all held,
roll taken) and one attendance record per member and session. Group 1 and group 2 always have a
year of weekly sessions (``history`` years in a ``variant`` with more history): group 1 is the
one the report (over the last year) and member reads use, group 2 the one whose last roll is
re-taken by the roll call and the write floor.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import asyncpg

from backend.accounts.passwords import hash_password
from backend.domain.vocabulary import GROUP_KINDS
from backend.lib.purposes import from_mask

PASSWORD = "bench-password-2026"
TIMEZONE = "Asia/Jakarta"  # UTC+7 all year: no daylight-saving surprises in the fixtures
UTC_OFFSET = timedelta(hours=7)
CHUNK = 100_000

# Column order of every table the generator fills: checked against Piccolo's tables at start.
COLUMNS: dict[str, tuple[str, ...]] = {
    "member": (
        "id", "display_name", "email", "phone", "phone_key", "created_at", "created_by",
        "language",
    ),
    "app_user": (
        "id", "email", "display_name", "role", "password_hash", "is_active", "member",
        "created_at", "language", "must_change_password",
    ),
    "work_group": (
        "id", "name", "description", "kind", "purpose_mask", "capacity", "timezone", "phase",
        "location", "created_at", "curriculum", "leader",
    ),
    "group_facilitator": ("id", "group", "user"),
    "membership": (
        "id", "group", "member", "status", "requested_at", "joined_on", "left_on",
        "consent_given_at", "consent_recorded_by",
    ),
    "session_series": (
        "id", "group", "rrule", "first_starts_at", "duration_minutes", "created_at", "created_by",
    ),
    "group_session": (
        "id", "group", "series", "starts_at", "ends_at", "status", "cancel_reason", "location",
        "topic", "guide", "sequence", "roll_taken_at", "updated_at", "curriculum_step",
    ),
    "attendance": (
        "id", "session", "group", "member", "status", "participation", "purpose_mask", "note",
        "updated_at", "updated_by", "absence_reason",
    ),
    "attendance_audit": (
        "id", "session", "member", "changed_by", "changed_at", "before", "after",
    ),
}  # fmt: skip
BULK_TABLES = ("attendance", "attendance_audit")


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    groups: int
    members_per_group: int
    sessions_per_group: int  # weekly, ending last week
    year_sessions: int  # for groups 1 and 2 (report and roll call)
    groups_per_facilitator: int
    member_login_every: int  # every n-th member has a login (member 1 always does)
    workers: int
    backend: str  # "sqlite" | "postgres"
    history: int = 1  # how many times the standard history (see ``variant``)

    @property
    def key(self) -> str:
        """A name for the variant's files and database: ``programme``, ``programme-2x``, and
        for a smoke test with fewer groups ``programme-200g-2x``."""
        standard = SCALES.get(self.name)
        fewer = standard is not None and self.groups != standard.groups
        return (
            self.name
            + (f"-{self.groups}g" if fewer else "")
            + (f"-{self.history}x" if self.history != 1 else "")
        )


SCALES: dict[str, Scale] = {
    "ngo": Scale("ngo", 50, 20, 52, 52, 2, 10, 1, "sqlite"),
    "programme": Scale("programme", 20_000, 15, 14, 52, 4, 100, 2, "postgres"),
}
REPORT_WEEKS = 52  # the group report covers the last year of sessions, whatever the history


def variant(scale: Scale, *, history: int = 1, groups: int | None = None) -> Scale:
    """``scale`` with ``history`` times its sessions per group (the year groups' too), so
    ``history`` times the attendance records; the same groups and members. ``groups`` builds a
    smaller data set of the same shape (smoke tests of the harness)."""
    if history < 1:
        raise ValueError("history is a multiple of the standard one: 1, 2, ...")
    if groups is not None and groups < 2:
        raise ValueError("the load needs groups 1 and 2")
    return replace(
        scale,
        groups=scale.groups if groups is None else groups,
        sessions_per_group=scale.sessions_per_group * history,
        year_sessions=scale.year_sessions * history,
        history=history,
    )


def describe(scale: Scale) -> str:
    """One line for the table's heading, e.g. "SQLite, 1 worker: 50 groups, ..."."""
    counts = counts_for(make_plan(scale))
    records = counts["attendance"]
    rounded = f"~{records / 1e6:.1f}M" if records >= 1_000_000 else f"~{records / 1e3:,.0f}k"
    if records < 10_000:
        rounded = f"{records:,}"
    sessions = (
        f"{scale.sessions_per_group} weekly sessions each"
        if scale.sessions_per_group == scale.year_sessions
        else f"{scale.sessions_per_group} weekly sessions each "
        f"({scale.year_sessions} for groups 1-2)"
    )
    database = "SQLite" if scale.backend == "sqlite" else "PostgreSQL"
    workers = f"{scale.workers} worker{'s' if scale.workers > 1 else ''}"
    return (
        f"{database}, {workers}: {scale.groups:,} groups, "
        f"{counts['member']:,} members, {sessions}, {rounded} attendance records"
    )


@dataclass(slots=True)
class Fixture:
    """What the load needs to know about the generated data."""

    scale: str
    database_url: str
    password: str
    facilitator_email: str
    member_email: str
    member_id: int
    member_records: int
    report_group_id: int
    report_from: str
    report_to: str
    report_members: int
    report_sessions: int
    week_from: str
    week_to: str
    roll_group_id: int
    roll_session_id: int
    roll_member_ids: list[int]
    roll_purposes: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    roll_user_id: int = 2  # the facilitator who takes the roll (the write floor writes as them)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Fixture:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def check_columns() -> None:
    """Fail early when the schema has moved on from the generator."""
    from backend.db.tables import ALL_TABLES

    for table in ALL_TABLES:
        name = table._meta.tablename
        if name in COLUMNS:
            actual = {c._meta.db_column_name for c in table._meta.columns}
            if actual != set(COLUMNS[name]):
                raise SystemExit(f"bench/data.py is out of date for {name}: {sorted(actual)}")


# ----------------------------------------------------------------------------- generation


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(slots=True)
class Plan:
    """The numbers and ids everything else is derived from."""

    scale: Scale
    today: date
    this_monday: date
    created: datetime
    facilitators: int = 0
    member_users: list[int] = field(default_factory=list)

    def sessions_of(self, group: int) -> int:
        return self.scale.year_sessions if group <= 2 else self.scale.sessions_per_group

    def first_session_index(self, group: int) -> int:
        """Sessions are numbered per group; the first id of group ``group``'s sessions - 1."""
        s = self.scale
        if group <= 2:
            return (group - 1) * s.year_sessions
        return 2 * s.year_sessions + (group - 3) * s.sessions_per_group

    def session_start(self, group: int, week: int) -> datetime:
        """Week 0 is the group's first week; the last session falls in the week before today's."""
        weeks = self.sessions_of(group)
        day = self.this_monday - timedelta(weeks=weeks - week) + timedelta(days=(group - 1) % 5)
        local = datetime(day.year, day.month, day.day, 9 + (group - 1) % 10, 0)
        return (local - UTC_OFFSET).replace(tzinfo=UTC)

    def facilitator_of(self, group: int) -> int:
        return 2 + (group - 1) // self.scale.groups_per_facilitator  # user 1 is the admin


def make_plan(scale: Scale) -> Plan:
    now = datetime.now(UTC).replace(microsecond=0)
    today = (now + UTC_OFFSET).date()
    this_monday = today - timedelta(days=today.weekday())
    weeks = max(scale.year_sessions, scale.sessions_per_group)
    created = _utc(
        datetime.combine(this_monday - timedelta(weeks=weeks + 4), datetime.min.time(), UTC)
    )
    plan = Plan(scale=scale, today=today, this_monday=this_monday, created=created)
    plan.facilitators = -(-scale.groups // scale.groups_per_facilitator)
    return plan


def _group_mask(rng: random.Random) -> int:
    codes = rng.sample(range(6), rng.choice((2, 2, 3, 3, 4)))
    return sum(1 << c for c in codes)


def groups(plan: Plan, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    s = plan.scale
    for g in range(1, s.groups + 1):
        kind = GROUP_KINDS[g % len(GROUP_KINDS)]
        yield (
            g,
            f"{kind.title()} circle {g}",
            f"A synthetic {kind} group for benchmarks.",
            kind,
            _group_mask(rng),
            s.members_per_group + 2,
            TIMEZONE,
            "intervention",
            f"Community hall {1 + g % 40}",
            plan.created,
            None,
            None,
        )


def members(plan: Plan) -> Iterator[tuple[Any, ...]]:
    s = plan.scale
    for m in range(1, s.groups * s.members_per_group + 1):
        has_login = m % s.member_login_every == 1 % s.member_login_every
        yield (
            m,
            f"Member {m:06d}",
            f"member{m}@bench.example" if has_login else None,
            f"+62 812 {m:07d}" if m % 3 == 0 else None,
            f"62812{m:07d}" if m % 3 == 0 else None,
            plan.created,
            None,
            None,
        )


def users(plan: Plan, password_hash: str) -> Iterator[tuple[Any, ...]]:
    s = plan.scale
    yield (
        1,
        "admin@bench.example",
        "Bench admin",
        "admin",
        password_hash,
        True,
        None,
        plan.created,
        None,
        False,
    )
    uid = 1
    for f in range(1, plan.facilitators + 1):
        uid += 1
        yield (
            uid,
            f"facilitator{f}@bench.example",
            f"Facilitator {f}",
            "facilitator",
            password_hash,
            True,
            None,
            plan.created,
            None,
            False,
        )
    for m in range(1, s.groups * s.members_per_group + 1):
        if m % s.member_login_every == 1 % s.member_login_every:
            uid += 1
            plan.member_users.append(uid)
            yield (
                uid,
                f"member{m}@bench.example",
                f"Member {m:06d}",
                "member",
                password_hash,
                True,
                m,
                plan.created,
                None,
                False,
            )


def facilitators(plan: Plan) -> Iterator[tuple[Any, ...]]:
    for g in range(1, plan.scale.groups + 1):
        yield (g, g, plan.facilitator_of(g))


def memberships(plan: Plan) -> Iterator[tuple[Any, ...]]:
    s = plan.scale
    for m in range(1, s.groups * s.members_per_group + 1):
        g = (m - 1) // s.members_per_group + 1
        first = plan.session_start(g, 0)
        requested = _utc(first - timedelta(days=14, hours=m % 24))
        yield (
            m,
            g,
            m,
            "active",
            requested,
            (first - timedelta(days=7)).date(),
            None,
            requested,
            plan.facilitator_of(g),
        )


def series(plan: Plan) -> Iterator[tuple[Any, ...]]:
    for g in range(1, plan.scale.groups + 1):
        count = plan.sessions_of(g)
        first = plan.session_start(g, 0)
        yield (
            g,
            g,
            f"FREQ=WEEKLY;COUNT={count}",
            first,
            90,
            _utc(first - timedelta(days=21)),
            plan.facilitator_of(g),
        )


def sessions(plan: Plan) -> Iterator[tuple[Any, ...]]:
    for g in range(1, plan.scale.groups + 1):
        base = plan.first_session_index(g)
        for week in range(plan.sessions_of(g)):
            start = plan.session_start(g, week)
            end = start + timedelta(minutes=90)
            taken = end + timedelta(minutes=5)
            yield (
                base + week + 1,
                g,
                g,
                start,
                end,
                "scheduled",
                "",
                f"Community hall {1 + g % 40}",
                f"Session {week + 1}",
                None,
                0,
                taken,
                taken,
                None,
            )


# A record: (status, participation, purpose_mask, note, audit "after" JSON).
Record = tuple[str, str | None, int, str | None, str]


def _variants(mask: int, rng: random.Random, count: int = 256) -> list[Record]:
    bits = [1 << p for p in range(6) if mask & (1 << p)]
    out: list[Record] = []
    for _ in range(count):
        roll = rng.random()
        status = (
            "present" if roll < 0.7 else "late" if roll < 0.8 else "excused" if roll < 0.9
            else "absent"
        )  # fmt: skip
        attended = status in ("present", "late")
        participation = rng.choice(("observed", "contributed", "contributed", "led"))
        purpose_mask = sum(b for b in bits if rng.random() < 0.6) if attended else 0
        note = "Followed up by phone." if rng.random() < 0.03 else None
        record = {
            "status": status,
            "participation": participation if attended else None,
            "purposes": from_mask(purpose_mask),
            "note": note,
        }
        out.append(
            (
                status,
                participation if attended else None,
                purpose_mask,
                note,
                json.dumps(record, sort_keys=True),
            )
        )
    return out


def attendance_and_audit(
    plan: Plan, masks: list[int], rng: random.Random, *, audit: bool
) -> Iterator[tuple[Any, ...]]:
    """Attendance rows, or (``audit=True``) the audit row of each record's creation."""
    s = plan.scale
    variants: dict[int, list[Record]] = {}
    row_id = 0
    getbits = rng.getrandbits
    for g in range(1, s.groups + 1):
        mask = masks[g - 1]
        pool = variants.get(mask) or variants.setdefault(mask, _variants(mask, rng))
        facilitator = plan.facilitator_of(g)
        base = plan.first_session_index(g)
        first_member = (g - 1) * s.members_per_group + 1
        member_ids = range(first_member, first_member + s.members_per_group)
        for week in range(plan.sessions_of(g)):
            session_id = base + week + 1
            taken = plan.session_start(g, week) + timedelta(minutes=95)
            for m in member_ids:
                row_id += 1
                status, participation, purpose_mask, note, after = pool[getbits(8)]
                if audit:
                    yield (row_id, session_id, m, facilitator, taken, None, after)
                else:
                    yield (
                        row_id,
                        session_id,
                        g,
                        m,
                        status,
                        participation,
                        purpose_mask,
                        note,
                        taken,
                        facilitator,
                        None,
                    )


# ----------------------------------------------------------------------------- writing


class Progress:
    def __init__(self, table: str, total: int) -> None:
        self.table, self.total, self.done, self.started = table, total, 0, time.monotonic()

    def add(self, rows: int) -> None:
        self.done += rows
        if sys.stdout.isatty():
            self._show(end="")

    def finish(self) -> None:
        self._show(end="\n")

    def _show(self, end: str) -> None:
        elapsed = time.monotonic() - self.started
        print(
            f"\r  {self.table:<18} {self.done:>10,} / {self.total:>10,} rows  {elapsed:6.1f} s",
            end=end,
            flush=True,
        )


def _chunks(rows: Iterable[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return str(value)  # '2026-03-12 17:00:00+00:00', as Piccolo stores Timestamptz
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def counts_for(plan: Plan) -> dict[str, int]:
    s = plan.scale
    n_members = s.groups * s.members_per_group
    n_sessions = sum(plan.sessions_of(g) for g in (1, 2)) + (s.groups - 2) * s.sessions_per_group
    records = sum(plan.sessions_of(g) * s.members_per_group for g in range(1, min(s.groups, 2) + 1))
    records += (s.groups - 2) * s.sessions_per_group * s.members_per_group
    logins = len(range(1, n_members + 1, s.member_login_every))
    return {
        "member": n_members,
        "app_user": 1 + plan.facilitators + logins,
        "work_group": s.groups,
        "group_facilitator": s.groups,
        "membership": n_members,
        "session_series": s.groups,
        "group_session": n_sessions,
        "attendance": records,
        "attendance_audit": records,
    }


def table_rows(
    plan: Plan, password_hash: str, seed: int = 2026
) -> Iterator[tuple[str, int, Callable[[], Iterable[tuple[Any, ...]]]]]:
    """(table, row count, rows factory) in dependency order."""
    rng = random.Random(seed)
    counts = counts_for(plan)
    group_rows = list(groups(plan, rng))
    masks = [row[4] for row in group_rows]
    yield "member", counts["member"], lambda: members(plan)
    yield "app_user", counts["app_user"], lambda: users(plan, password_hash)
    yield "work_group", counts["work_group"], lambda: group_rows
    yield "group_facilitator", counts["group_facilitator"], lambda: facilitators(plan)
    yield "membership", counts["membership"], lambda: memberships(plan)
    yield "session_series", counts["session_series"], lambda: series(plan)
    yield "group_session", counts["group_session"], lambda: sessions(plan)
    yield (
        "attendance",
        counts["attendance"],
        lambda: attendance_and_audit(plan, masks, random.Random(seed + 1), audit=False),
    )
    yield (
        "attendance_audit",
        counts["attendance_audit"],
        lambda: attendance_and_audit(plan, masks, random.Random(seed + 1), audit=True),
    )


def migrate(env: dict[str, str]) -> None:
    """``lingkar migrate`` against the database in ``env``, as an operator would run it."""
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def fill_sqlite(path: Path, plan: Plan, password_hash: str) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        for table, total, factory in table_rows(plan, password_hash):
            columns = COLUMNS[table]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
            progress = Progress(table, total)
            for chunk in _chunks(factory()):
                connection.executemany(sql, [tuple(map(_sqlite_value, r)) for r in chunk])
                progress.add(len(chunk))
            connection.commit()
            progress.finish()
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise SystemExit(f"foreign key problems in the generated data: {problems[:5]}")
    finally:
        connection.close()


_DROPPABLE_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
"""


async def fill_postgres(database_url: str, plan: Plan, password_hash: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        # The generated data is consistent by construction: skip per-row foreign-key triggers
        # and build the big tables' secondary indexes once, after the COPY.
        await connection.execute("SET session_replication_role = replica")
        recreate: list[str] = []
        for table in BULK_TABLES:
            for name, definition in await connection.fetch(_DROPPABLE_INDEXES, table):
                await connection.execute(f'DROP INDEX "{name}"')
                recreate.append(definition)
        for table, total, factory in table_rows(plan, password_hash):
            progress = Progress(table, total)
            for chunk in _chunks(factory()):
                await connection.copy_records_to_table(
                    table, records=chunk, columns=list(COLUMNS[table])
                )
                progress.add(len(chunk))
            progress.finish()
        await connection.execute("SET session_replication_role = DEFAULT")
        started = time.monotonic()
        print(f"  indexes            {len(recreate)} on {', '.join(BULK_TABLES)} ...", end="")
        for definition in recreate:
            await connection.execute(definition)
        for table in COLUMNS:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT max(id) FROM "{table}"))'
            )
        await connection.execute("ANALYZE")
        print(f" and ANALYZE  {time.monotonic() - started:.1f} s", flush=True)
    finally:
        await connection.close()


def _utc_query(day: date) -> str:
    """Local midnight of ``day`` in the groups' zone, in UTC, for a query string."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - UTC_OFFSET
    return midnight.strftime("%Y-%m-%dT%H:%M:%SZ")


def fixture_for(plan: Plan, database_url: str) -> Fixture:
    s = plan.scale
    roll_group = 2
    roll_session = plan.first_session_index(roll_group) + plan.sessions_of(roll_group)
    first_roll_member = s.members_per_group + 1
    last_week = plan.this_monday - timedelta(weeks=1)
    report_sessions = min(REPORT_WEEKS, plan.sessions_of(1))
    report_from = plan.session_start(1, plan.sessions_of(1) - report_sessions).date()
    masks = [row[4] for row in groups(plan, random.Random(2026))]
    return Fixture(
        scale=s.name,
        database_url=database_url,
        password=PASSWORD,
        facilitator_email=f"facilitator{plan.facilitator_of(1) - 1}@bench.example",
        member_email="member1@bench.example",
        member_id=1,
        member_records=plan.sessions_of(1),
        report_group_id=1,
        report_from=report_from.isoformat(),
        report_to=(plan.this_monday - timedelta(days=1)).isoformat(),
        report_members=s.members_per_group,
        report_sessions=report_sessions,
        week_from=_utc_query(last_week),
        week_to=_utc_query(plan.this_monday),
        roll_group_id=roll_group,
        roll_session_id=roll_session,
        roll_member_ids=list(range(first_roll_member, first_roll_member + 15)),
        roll_purposes=from_mask(masks[roll_group - 1]),
        counts=counts_for(plan),
        roll_user_id=plan.facilitator_of(roll_group),
    )


def build(scale: Scale, database_url: str, env: dict[str, str]) -> Fixture:
    """Migrate the (empty) database in ``env`` and fill it; returns the fixture facts."""
    check_columns()
    assert scale.groups >= 2 and scale.members_per_group >= 15, "the load needs groups 1 and 2"
    started = time.monotonic()
    print(f"Building the {scale.name} data set ({scale.backend}) ...", flush=True)
    migrate(env)
    password_hash = hash_password(PASSWORD)  # one argon2 hash, shared by every account
    plan = make_plan(scale)
    if scale.backend == "sqlite":
        fill_sqlite(Path(database_url), plan, password_hash)
    else:
        import asyncio

        asyncio.run(fill_postgres(database_url, plan, password_hash))
    total = sum(counts_for(plan).values())
    print(f"  {total:,} rows in {time.monotonic() - started:.1f} s", flush=True)
    rebuild_figures(env)
    return fixture_for(plan, database_url)


def rebuild_figures(env: dict[str, str], group: int | None = None) -> None:
    """``lingkar rebuild-figures``: the kept figures from the rows just written."""
    started = time.monotonic()
    command = [sys.executable, "-m", "backend.cli", "rebuild-figures"]
    if group is not None:
        command += ["--group", str(group)]
    print(
        f"  kept figures       {'group ' + str(group) if group else 'all'} ...", end="", flush=True
    )
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=3600)
    print(f" {time.monotonic() - started:.1f} s", flush=True)


__all__ = ["SCALES", "Fixture", "Scale", "build", "describe", "variant"]
