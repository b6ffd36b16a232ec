"""The two floors Lingkar is compared with, served by granian exactly like Lingkar.

- ``GET /bare``: a bare Litestar endpoint returning a small msgspec struct.
- ``GET /pk``: one primary-key read of a member, with the standard library's ``sqlite3`` (one
  connection per worker) or an asyncpg pool, depending on ``BENCH_FLOOR_DATABASE``.

Run: ``BENCH_FLOOR_DATABASE=path-or-url granian --interface asgi --factory
bench.floors:create_app``.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, get
from litestar.exceptions import NotFoundException


class Hello(msgspec.Struct):
    message: str
    version: int


class MemberRow(msgspec.Struct):
    id: int
    display_name: str


class _Database:
    """A sqlite3 connection or an asyncpg pool, opened on start-up."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_postgres = url.startswith(("postgres://", "postgresql://"))
        self.sqlite: sqlite3.Connection | None = None
        self.pool: asyncpg.Pool | None = None
        self.members = 1
        self._ids: itertools.cycle[int] = itertools.cycle([1])

    async def start(self, app: Litestar) -> None:
        if self.is_postgres:
            self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=10)
            count = await self.pool.fetchval("SELECT count(*) FROM member")
        else:
            self.sqlite = sqlite3.connect(self.url, check_same_thread=False)
            self.sqlite.execute("PRAGMA journal_mode = WAL")
            count = self.sqlite.execute("SELECT count(*) FROM member").fetchone()[0]
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


def create_app() -> Litestar:
    database = _Database(os.environ["BENCH_FLOOR_DATABASE"])

    @get("/bare")
    async def bare() -> Hello:
        return Hello(message="hello", version=1)

    @get("/pk")
    async def pk_read() -> MemberRow:
        row = await database.member()
        if row is None:
            raise NotFoundException()
        return MemberRow(id=row[0], display_name=row[1])

    return Litestar(
        route_handlers=[bare, pk_read],
        on_startup=[database.start],
        on_shutdown=[database.stop],
    )
