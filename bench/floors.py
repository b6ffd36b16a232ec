"""The three floors Lingkar is compared with, served by granian exactly like Lingkar.

- ``GET /bare``: a bare Litestar endpoint returning a small msgspec struct.
- ``GET /pk``: one primary-key read of a member, with the standard library's ``sqlite3`` (one
  connection per worker) or an asyncpg pool, depending on ``BENCH_FLOOR_DATABASE``.
- ``PUT /write``: the roll call's own writes. The body is the roll-call operation's JSON
  (``{"records": [...]}``), decoded with msgspec; its records are written with the
  application's own statements (``UPSERT_RECORD`` and ``INSERT_AUDIT`` of
  ``backend/attendance/queries.py``) in one transaction: ``BEGIN IMMEDIATE``, one upsert of an
  attendance row and one audit row per record, ``COMMIT`` (SQLite); a pooled asyncpg connection,
  one transaction, ``executemany`` (PostgreSQL). No read, no access check, no figures.
  The session, its group, the members it may write and the user it writes as come from
  ``BENCH_FLOOR_ROLL_SESSION``, ``BENCH_FLOOR_ROLL_GROUP``, ``BENCH_FLOOR_ROLL_MEMBERS``
  (comma-separated ids) and ``BENCH_FLOOR_ROLL_USER``.

Run: ``BENCH_FLOOR_DATABASE=path-or-url BENCH_FLOOR_ROLL_...=... granian --interface asgi
--factory bench.floors:create_app``.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, Request, get, put
from litestar.exceptions import NotFoundException, ValidationException

from backend.attendance.queries import INSERT_AUDIT, UPSERT_RECORD
from backend.db.sql import POSTGRES, SQLITE
from backend.lib.purposes import to_mask

BUSY_TIMEOUT_MS = 5000


class Hello(msgspec.Struct):
    message: str
    version: int


class MemberRow(msgspec.Struct):
    id: int
    display_name: str


class RecordBody(msgspec.Struct, forbid_unknown_fields=True):
    """One record of ``PUT /api/v1/sessions/{id}/attendance``."""

    member_id: int
    status: str
    participation: str | None = None
    purposes: list[str] = msgspec.field(default_factory=list)
    note: str | None = None


class RollBody(msgspec.Struct, forbid_unknown_fields=True):
    records: list[RecordBody]


class Written(msgspec.Struct):
    records: int


@dataclass(frozen=True, slots=True)
class Roll:
    """Where the write floor writes: the roll-call operation's session and members."""

    session: int
    group: int
    user: int
    members: frozenset[int]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Roll | None:
        if "BENCH_FLOOR_ROLL_SESSION" not in env:
            return None
        return cls(
            session=int(env["BENCH_FLOOR_ROLL_SESSION"]),
            group=int(env["BENCH_FLOOR_ROLL_GROUP"]),
            user=int(env["BENCH_FLOOR_ROLL_USER"]),
            members=frozenset(int(m) for m in env["BENCH_FLOOR_ROLL_MEMBERS"].split(",") if m),
        )


_snapshot = msgspec.json.Encoder()


def write_rows(
    roll: Roll, body: RollBody, stamp: Any
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The attendance rows (``UPSERT_RECORD``'s order) and audit rows (``INSERT_AUDIT``'s)."""
    records: list[tuple[Any, ...]] = []
    audit: list[tuple[Any, ...]] = []
    for r in body.records:
        if r.member_id not in roll.members:
            raise ValidationException(f"member {r.member_id} is not in the roll")
        records.append(
            (
                roll.session,
                roll.group,
                r.member_id,
                r.status,
                r.participation,
                to_mask(r.purposes),
                r.note,
                None,  # absence_reason: a roll call taken by the facilitator gives none
                stamp,
                roll.user,
            )
        )
        after = _snapshot.encode(
            {
                "note": r.note,
                "participation": r.participation,
                "purposes": r.purposes,
                "status": r.status,
            }
        ).decode()
        audit.append((roll.session, r.member_id, roll.user, stamp, None, after))
    return records, audit


class _Database:
    """A sqlite3 connection or an asyncpg pool, opened on start-up."""

    def __init__(self, url: str, roll: Roll | None) -> None:
        self.url = url
        self.roll = roll
        self.is_postgres = url.startswith(("postgres://", "postgresql://"))
        self.sqlite: sqlite3.Connection | None = None
        self.pool: asyncpg.Pool | None = None
        self._ids: itertools.cycle[int] = itertools.cycle([1])
        dialect = POSTGRES if self.is_postgres else SQLITE
        self.upsert = UPSERT_RECORD.text(dialect)
        self.insert_audit = INSERT_AUDIT.text(dialect)

    async def start(self, app: Litestar) -> None:
        if self.is_postgres:
            self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=10)
            count = await self.pool.fetchval("SELECT count(*) FROM member")
        else:
            # Autocommit (transactions are explicit), as the application's connections.
            db = sqlite3.connect(self.url, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.sqlite = db
            count = db.execute("SELECT count(*) FROM member").fetchone()[0]
        self._ids = itertools.cycle(range(1, max(int(count), 1) + 1))

    async def stop(self, app: Litestar) -> None:
        if self.pool is not None:
            await self.pool.close()
        if self.sqlite is not None:
            self.sqlite.close()

    async def member(self) -> tuple[Any, ...] | None:
        member_id = next(self._ids)
        if self.pool is not None:
            row = await self.pool.fetchrow(
                "SELECT id, display_name FROM member WHERE id = $1", member_id
            )
            return None if row is None else tuple(row)
        assert self.sqlite is not None
        return self.sqlite.execute(
            "SELECT id, display_name FROM member WHERE id = ?", (member_id,)
        ).fetchone()

    async def write(self, body: RollBody) -> int:
        if self.roll is None:
            raise NotFoundException("no roll to write (BENCH_FLOOR_ROLL_* unset)")
        moment = datetime.now(UTC).replace(microsecond=0)
        if self.pool is not None:
            records, audit = write_rows(self.roll, body, moment)
            async with self.pool.acquire() as connection, connection.transaction():
                await connection.executemany(self.upsert, records)
                await connection.executemany(self.insert_audit, audit)
            return len(records)
        assert self.sqlite is not None
        records, audit = write_rows(self.roll, body, str(moment))  # as Piccolo stores it
        db = self.sqlite
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(self.upsert, records)
            db.executemany(self.insert_audit, audit)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(records)


_decode_roll = msgspec.json.Decoder(RollBody)


def create_app() -> Litestar:
    database = _Database(os.environ["BENCH_FLOOR_DATABASE"], Roll.from_env(os.environ))

    @get("/bare")
    async def bare() -> Hello:
        return Hello(message="hello", version=1)

    @get("/pk")
    async def pk_read() -> MemberRow:
        row = await database.member()
        if row is None:
            raise NotFoundException()
        return MemberRow(id=row[0], display_name=row[1])

    @put("/write")
    async def write(request: Request[Any, Any, Any]) -> Written:
        try:
            body = _decode_roll.decode(await request.body())
        except msgspec.DecodeError as error:
            raise ValidationException(str(error)) from error
        return Written(records=await database.write(body))

    return Litestar(
        route_handlers=[bare, pk_read, write],
        on_startup=[database.start],
        on_shutdown=[database.stop],
    )
