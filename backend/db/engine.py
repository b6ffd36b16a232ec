"""Database engines: SQLite (embedded default) and PostgreSQL, behind Piccolo.

Piccolo's stock ``SQLiteEngine`` opens a new connection (and a new thread) for every query.
:class:`PooledSQLiteEngine` keeps a small pool of configured connections instead (WAL, foreign
keys, busy timeout), which is what makes SQLite fast enough to serve from.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from backend.db.files import create_private_file

BUSY_TIMEOUT_SECONDS = 30.0
# At most this many connections per process; further requests wait for one to be returned
# instead of opening (and threading) a new one.
POOL_SIZE = 16


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction that borrows a pooled connection and gives it back afterwards."""

    async def get_connection(self) -> aiosqlite.Connection:
        return await self.engine.acquire()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            await self.engine.release(self.connection)
        return exception is None


def is_read_only(sql: str) -> bool:
    """A statement that only reads (a SELECT, or a WITH ... SELECT)."""
    head = sql.lstrip()[:6].upper()
    if head.startswith("SELECT"):
        return True
    if head.startswith("WITH"):
        upper = sql.upper()
        return not any(word in upper for word in ("INSERT ", "UPDATE ", "DELETE ", "REPLACE "))
    return False


class PooledSQLiteEngine(SQLiteEngine):
    __slots__ = ("_idle", "_loop", "_reader", "_reader_loop", "_slots", "write_lock")

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=BUSY_TIMEOUT_SECONDS, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(POOL_SIZE)
        self._reader: sqlite3.Connection | None = None
        self._reader_loop: asyncio.AbstractEventLoop | None = None
        # Writers of this process queue here rather than polling SQLite's busy handler;
        # writers in other processes are still serialised by BEGIN IMMEDIATE.
        self.write_lock = asyncio.Lock()

    def _create_file(self) -> None:
        """Make the database file, private (0600), before SQLite first opens it: SQLite gives
        the -wal and -shm files the same mode. Nothing is made before a first connection."""
        path = Path(self.path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private_file(path)

    async def _connect(self) -> aiosqlite.Connection:
        self._create_file()
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        return connection

    async def acquire(self) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Pooled connections belong to the loop that opened them; a new loop starts afresh.
            for stale in self._idle:
                stale.stop()
            self._idle.clear()
            self._loop = loop
            self._slots = asyncio.Semaphore(POOL_SIZE)
            self.write_lock = asyncio.Lock()
        await self._slots.acquire()
        try:
            return self._idle.pop() if self._idle else await self._connect()
        except BaseException:
            self._slots.release()
            raise

    async def release(self, connection: aiosqlite.Connection) -> None:
        try:
            if connection.in_transaction:
                await connection.rollback()
        finally:
            if self._loop is asyncio.get_running_loop():
                self._idle.append(connection)
                self._slots.release()
            else:
                await connection.close()

    def reader(self) -> sqlite3.Connection:
        """A plain sqlite3 connection on the event loop's own thread, for reads outside
        transactions. In WAL mode a read never waits for a writer, and a short read costs less
        than the hand-over to aiosqlite's thread (the difference dominates a request)."""
        loop = asyncio.get_running_loop()
        if self._reader is None or self._reader_loop is not loop:
            if self._reader is not None:
                self._reader.close()
            self._create_file()
            self._reader = sqlite3.connect(**self.connection_kwargs)
            self._reader.row_factory = dict_factory
            self._reader.execute("PRAGMA foreign_keys = ON")
            self._reader.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            self._reader_loop = loop
        return self._reader

    async def close_pool(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    async def get_connection(self) -> aiosqlite.Connection:  # used by Piccolo's batch()
        return await self._connect()

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table=None
    ):
        if is_read_only(query):
            return self.reader().execute(query, args or []).fetchall()
        connection = await self.acquire()
        try:
            async with connection.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
            return rows
        finally:
            await self.release(connection)

    async def _run_in_existing_connection(
        self,
        connection,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table=None,
    ):
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


def build_engine(database_url: str) -> Engine:
    """An engine for a SQLite path (or ``sqlite:///path``) or a ``postgresql://`` URL."""
    if database_url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(database_url)
        config: dict[str, Any] = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": parsed.username or "postgres",
            "database": (parsed.path or "/postgres").lstrip("/") or "postgres",
        }
        if parsed.password:
            config["password"] = parsed.password
        return PostgresEngine(config=config)
    return PooledSQLiteEngine(path=str(sqlite_file(database_url)))


def sqlite_file(database_url: str) -> Path:
    """The file of a SQLite path or ``sqlite:///path`` URL."""
    return Path(database_url.removeprefix("sqlite:///").removeprefix("sqlite://"))


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """A read-then-write transaction that takes the write lock up front on SQLite.

    With SQLite's default deferred transactions, concurrent read-then-write transactions fail
    with "database is locked" when they try to upgrade; ``BEGIN IMMEDIATE`` makes them queue.
    """
    if isinstance(engine, PooledSQLiteEngine) and engine.current_transaction.get() is None:
        async with (
            engine.write_lock,
            engine.transaction(transaction_type=TransactionType.immediate),
        ):
            yield
    elif is_sqlite(engine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


@asynccontextmanager
async def read_transaction(engine: Engine) -> AsyncIterator[None]:
    """Several reads that belong together.

    On PostgreSQL they share one transaction (one snapshot). On SQLite each read goes to the
    event loop's own reader connection: the reads of one report or view run one after another
    without the loop switching to other work in between, so they see the same data, and they
    never queue behind a writer.
    """
    if isinstance(engine, PooledSQLiteEngine):
        yield
        return
    async with engine.transaction():
        yield


async def start_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)


async def stop_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_pool()
