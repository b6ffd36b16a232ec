"""The application's connections: read and write transactions on SQLite and PostgreSQL.

Piccolo defines the tables and runs the migrations; requests run their statements here, so that
a request costs a few short statements and nothing more:

* **SQLite** (the embedded default). Statements run on the event loop's own thread through the
  standard library's ``sqlite3``: a short indexed statement costs microseconds, less than
  handing it to a worker thread. Reads take a pooled connection and run in a real read
  transaction (``BEGIN`` ... ``COMMIT``: one WAL snapshot, never blocked by a writer). Writes
  queue on one in-process lock, then take SQLite's write lock with ``BEGIN IMMEDIATE``; when
  another process holds it the request waits asynchronously and tries again, so the loop is
  never blocked on a lock. The WAL is checkpointed by a background thread, not in a request.
  Nothing long runs on these connections: rebuilds, imports and exports are commands.
* **PostgreSQL.** An asyncpg pool per process. Reads run in a ``REPEATABLE READ READ ONLY``
  transaction (one snapshot for every statement of a view); writes in a ``READ COMMITTED``
  transaction that takes row locks (``SELECT ... FOR UPDATE``) or advisory locks
  (:meth:`Connection.lock`) where two writers must not interleave.

A transaction opened inside another one of the same task joins it (a read inside a write sees
the write's own changes), so one service function can call another.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from piccolo.query.base import Query

from backend.db.sql import POSTGRES, SQL, SQLITE, with_id_lists

logger = logging.getLogger("lingkar.db")

Row = dict[str, Any]
Statement = SQL | Query

BUSY_WAIT_SECONDS = 30.0
READER_POOL_SIZE = 16
CHECKPOINT_SECONDS = 1.0


class DatabaseBusy(RuntimeError):
    """Another process held SQLite's write lock for longer than the wait allows."""


class Connection(ABC):
    """One transaction's connection: run statements, get rows as dicts."""

    dialect: str
    writable: bool

    def compile(self, statement: Statement, args: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        if isinstance(statement, SQL):
            return statement.text(self.dialect), args
        querystrings = statement.querystrings
        if len(querystrings) != 1:
            raise ValueError("run one statement at a time")
        text, bound = querystrings[0].compile_string(engine_type=self.dialect)
        return text, bound

    @abstractmethod
    async def fetch(self, statement: Statement, *args: Any) -> list[Row]: ...

    @abstractmethod
    async def fetch_tuples(self, statement: Statement, *args: Any) -> list[tuple[Any, ...]]:
        """Rows as tuples, in the statement's column order (no dict per row)."""

    @abstractmethod
    async def execute(self, statement: Statement, *args: Any) -> None: ...

    @abstractmethod
    async def execute_many(self, statement: SQL, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch_one(self, statement: Statement, *args: Any) -> Row | None:
        rows = await self.fetch(statement, *args)
        return rows[0] if rows else None

    async def fetch_value(self, statement: Statement, *args: Any) -> Any:
        row = await self.fetch_one(statement, *args)
        return None if row is None else next(iter(row.values()))

    def ids(self, values: Iterable[int]) -> Any:
        """A list of ids as one bound value, for ``IN_IDS({})``."""
        ids = [int(v) for v in values]
        return ids if self.dialect == POSTGRES else json.dumps(ids)

    async def lock(self, *names: str) -> None:  # noqa: B027 - SQLite writers are serial
        """Serialise writers that touch the same ``names`` (a group, a person, a place) until
        the transaction ends. SQLite writers are serial already: nothing to do there."""


class Database(ABC):
    dialect: str

    def __init__(self) -> None:
        self._current: contextvars.ContextVar[Connection | None] = contextvars.ContextVar(
            f"lingkar_connection_{id(self)}", default=None
        )

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        """A read transaction: every statement sees one snapshot."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with self._transaction(writable=False) as connection:
            token = self._current.set(connection)
            try:
                yield connection
            finally:
                self._current.reset(token)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        """A write transaction: all of it is written, or none of it."""
        current = self._current.get()
        if current is not None:
            if not current.writable:
                raise RuntimeError("a write cannot start inside a read transaction")
            yield current
            return
        async with self._transaction(writable=True) as connection:
            token = self._current.set(connection)
            try:
                yield connection
            finally:
                self._current.reset(token)

    async def fetch(self, statement: Statement, *args: Any) -> list[Row]:
        """One statement on its own (a single statement is its own snapshot), or in the
        transaction this task has open."""
        current = self._current.get()
        if current is not None:
            return await current.fetch(statement, *args)
        return await self._fetch_alone(statement, args)

    async def fetch_one(self, statement: Statement, *args: Any) -> Row | None:
        rows = await self.fetch(statement, *args)
        return rows[0] if rows else None

    @abstractmethod
    async def _fetch_alone(self, statement: Statement, args: Sequence[Any]) -> list[Row]: ...

    @abstractmethod
    def _transaction(self, *, writable: bool) -> Any: ...


# ---------------------------------------------------------------------------- SQLite


class SQLiteConnection(Connection):
    dialect = SQLITE

    __slots__ = ("raw", "writable")

    def __init__(self, raw: sqlite3.Connection, *, writable: bool) -> None:
        self.raw = raw
        self.writable = writable

    def compile(self, statement: Statement, args: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        text, bound = super().compile(statement, args)
        return text, [stored_time(a) if type(a) is datetime else a for a in bound]

    async def fetch(self, statement: Statement, *args: Any) -> list[Row]:
        text, bound = self.compile(statement, args)
        cursor = self.raw.execute(text, bound)
        rows = cursor.fetchall()
        if not rows:
            return []
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def fetch_tuples(self, statement: Statement, *args: Any) -> list[tuple[Any, ...]]:
        text, bound = self.compile(statement, args)
        return self.raw.execute(text, bound).fetchall()

    async def execute(self, statement: Statement, *args: Any) -> None:
        text, bound = self.compile(statement, args)
        self.raw.execute(text, bound)

    async def execute_many(self, statement: SQL, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.executemany(
            statement.text(SQLITE),
            ([stored_time(a) if type(a) is datetime else a for a in row] for row in rows),
        )


def stored_time(value: datetime) -> str:
    """A timestamp as Piccolo stores it in SQLite (its adapter: ``str()`` of the UTC value);
    formatting it here costs a fraction of a trip through sqlite3's adapter machinery."""
    return str(value if value.tzinfo is UTC else value.astimezone(UTC))


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///").removeprefix("sqlite://"))


def connect_sqlite(path: Path | str, *, busy_timeout_ms: int) -> sqlite3.Connection:
    """A configured connection: WAL, foreign keys, autocommit (transactions are explicit).

    Values come back as SQLite holds them (no per-column converters, which cost a Python call
    for every value read): timestamps and dates as ISO text, booleans as 0/1;
    :func:`backend.db.convert` and :mod:`backend.lib.moments` read them. Values sent are
    adapted by Piccolo's adapters, so both paths store the same text."""
    raw = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    raw.execute("PRAGMA cache_size = -16000")
    raw.execute("PRAGMA temp_store = MEMORY")
    return raw


class SQLiteDatabase(Database):
    dialect = SQLITE

    def __init__(self, path: Path | str, *, checkpoint_seconds: float | None = None) -> None:
        super().__init__()
        # Piccolo registers the sqlite3 adapters and converters its column types need.
        import piccolo.engine.sqlite  # noqa: F401

        self.path = Path(path)
        self.checkpoint_seconds = checkpoint_seconds
        self._idle: list[sqlite3.Connection] = []
        self._open_readers = 0
        self._reader_freed: asyncio.Condition | None = None
        self._writer: sqlite3.Connection | None = None
        self._write_lock: asyncio.Lock | None = None
        self._commits = 0
        self._checkpointer: asyncio.Task | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._reader_freed = asyncio.Condition()
        self._write_lock = asyncio.Lock()
        # The writer never waits inside SQLite: a held lock is retried asynchronously.
        self._writer = connect_sqlite(self.path, busy_timeout_ms=0)
        if self.checkpoint_seconds:
            self._writer.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpointer = asyncio.create_task(self._checkpoint_loop())

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with suppress(asyncio.CancelledError):
                await self._checkpointer
            self._checkpointer = None
        for raw in self._idle:
            raw.close()
        self._idle.clear()
        if self._writer is not None:
            if self.checkpoint_seconds:
                self._checkpoint()
            self._writer.close()
            self._writer = None

    @asynccontextmanager
    async def _transaction(self, *, writable: bool) -> AsyncIterator[Connection]:
        if writable:
            async with self._writing() as connection:
                yield connection
        else:
            async with self._reading() as connection:
                yield connection

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        raw = await self._take_reader()
        try:
            raw.execute("BEGIN")
            try:
                yield SQLiteConnection(raw, writable=False)
            finally:
                raw.execute("COMMIT")
        finally:
            await self._give_back(raw)

    async def _fetch_alone(self, statement: Statement, args: Sequence[Any]) -> list[Row]:
        raw = await self._take_reader()
        try:
            return await SQLiteConnection(raw, writable=False).fetch(statement, *args)
        finally:
            await self._give_back(raw)

    async def _take_reader(self) -> sqlite3.Connection:
        if self._idle:
            return self._idle.pop()
        if self._open_readers < READER_POOL_SIZE:
            self._open_readers += 1
            return connect_sqlite(self.path, busy_timeout_ms=5000)
        assert self._reader_freed is not None
        async with self._reader_freed:
            await self._reader_freed.wait_for(lambda: bool(self._idle))
            return self._idle.pop()

    async def _give_back(self, raw: sqlite3.Connection) -> None:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        self._idle.append(raw)
        assert self._reader_freed is not None
        if self._open_readers >= READER_POOL_SIZE:
            async with self._reader_freed:
                self._reader_freed.notify()

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[Connection]:
        assert self._write_lock is not None and self._writer is not None
        async with self._write_lock:
            raw = self._writer
            await self._begin_immediate(raw)
            try:
                yield SQLiteConnection(raw, writable=True)
                raw.execute("COMMIT")
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raise
            self._commits += 1

    async def _begin_immediate(self, raw: sqlite3.Connection) -> None:
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        pause = 0.001
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise DatabaseBusy("the database stayed locked by another process") from exc
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.05)

    async def _checkpoint_loop(self) -> None:
        done = 0
        assert self.checkpoint_seconds is not None
        while True:
            await asyncio.sleep(self.checkpoint_seconds)
            if self._commits != done:
                done = self._commits
                await asyncio.to_thread(self._checkpoint)

    def _checkpoint(self) -> None:
        try:
            raw = connect_sqlite(self.path, busy_timeout_ms=1000)
            try:
                raw.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                raw.close()
        except sqlite3.Error:
            logger.warning("WAL checkpoint skipped", exc_info=True)


# ---------------------------------------------------------------------------- PostgreSQL


class PostgresConnection(Connection):
    dialect = POSTGRES

    __slots__ = ("raw", "writable")

    def __init__(self, raw: Any, *, writable: bool) -> None:
        self.raw = raw
        self.writable = writable

    async def fetch(self, statement: Statement, *args: Any) -> list[Row]:
        text, bound = self.compile(statement, args)
        return [dict(record) for record in await self.raw.fetch(text, *bound)]

    async def fetch_tuples(self, statement: Statement, *args: Any) -> list[tuple[Any, ...]]:
        text, bound = self.compile(statement, args)
        return [tuple(record) for record in await self.raw.fetch(text, *bound)]

    async def execute(self, statement: Statement, *args: Any) -> None:
        text, bound = self.compile(statement, args)
        await self.raw.execute(text, *bound)

    async def execute_many(self, statement: SQL, rows: Iterable[Sequence[Any]]) -> None:
        await self.raw.executemany(statement.text(POSTGRES), list(rows))

    async def lock(self, *names: str) -> None:
        # Sorted, so two writers that need the same locks take them in the same order.
        for key in sorted({lock_key(name) for name in names}):
            await self.raw.execute("SELECT pg_advisory_xact_lock($1)", key)


def lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def postgres_dsn(database_url: str) -> str:
    parsed = urlparse(database_url)
    return parsed._replace(scheme="postgresql").geturl()


class PostgresDatabase(Database):
    dialect = POSTGRES

    def __init__(self, database_url: str, *, pool_size: int = 10) -> None:
        super().__init__()
        self.dsn = postgres_dsn(database_url)
        self.pool_size = pool_size
        self.pool: Any = None

    async def start(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self.pool_size)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    async def _fetch_alone(self, statement: Statement, args: Sequence[Any]) -> list[Row]:
        async with self.pool.acquire() as raw:
            return await PostgresConnection(raw, writable=False).fetch(statement, *args)

    @asynccontextmanager
    async def _transaction(self, *, writable: bool) -> AsyncIterator[Connection]:
        async with self.pool.acquire() as raw:
            if writable:
                transaction = raw.transaction()
            else:
                transaction = raw.transaction(isolation="repeatable_read", readonly=True)
            async with transaction:
                yield PostgresConnection(raw, writable=writable)


# ---------------------------------------------------------------------------- Piccolo's engine


class EngineConnection(Connection):
    """Statements run through Piccolo's engine, inside its current transaction: for commands
    that work in one of Piccolo's transactions (an import rebuilds the kept figures in the same
    transaction that loads the rows)."""

    writable = True

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.dialect = POSTGRES if engine.engine_type in ("postgres", "cockroach") else SQLITE

    def _querystring(self, statement: SQL, args: Sequence[Any]) -> Any:
        from piccolo.querystring import QueryString

        template = statement.postgres if self.dialect == POSTGRES else statement.sqlite
        return QueryString(with_id_lists(template, self.dialect), *args)

    async def fetch(self, statement: Statement, *args: Any) -> list[Row]:
        if not isinstance(statement, SQL):
            return await statement.run()
        rows = await self.engine.run_querystring(self._querystring(statement, args))
        return [dict(row) for row in rows or []]

    async def fetch_tuples(self, statement: Statement, *args: Any) -> list[tuple[Any, ...]]:
        return [tuple(row.values()) for row in await self.fetch(statement, *args)]

    async def execute(self, statement: Statement, *args: Any) -> None:
        await self.fetch(statement, *args)

    async def execute_many(self, statement: SQL, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            await self.engine.run_querystring(self._querystring(statement, row))


def is_postgres_url(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://"))


def open_database(database_url: str, *, serving: bool = False) -> Database:
    """The database for a URL; ``serving`` adds the SQLite background checkpointer."""
    if is_postgres_url(database_url):
        return PostgresDatabase(database_url)
    return SQLiteDatabase(
        sqlite_path(database_url), checkpoint_seconds=CHECKPOINT_SECONDS if serving else None
    )
