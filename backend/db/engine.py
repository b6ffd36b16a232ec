"""Piccolo's engines, used for the tables' definitions and for migrations.

Requests do not run through these (see :mod:`backend.db.connections`); commands and migrations do.
The engines are Piccolo's own, unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from backend.db.connections import is_postgres_url, sqlite_path
from backend.db.files import create_private_file

BUSY_TIMEOUT_SECONDS = 30.0


def build_engine(database_url: str) -> Engine:
    """A Piccolo engine for a SQLite path (or ``sqlite:///path``) or a ``postgresql://`` URL."""
    if is_postgres_url(database_url):
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
    path = sqlite_file(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Private before SQLite first opens it: SQLite gives -wal and -shm the file's mode.
    create_private_file(path)
    return SQLiteEngine(path=str(path), timeout=BUSY_TIMEOUT_SECONDS)


def sqlite_file(database_url: str) -> Path:
    """The file of a SQLite path or ``sqlite:///path`` URL."""
    return sqlite_path(database_url)


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


async def start_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=4)


async def stop_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """A Piccolo transaction for commands (imports): ``BEGIN IMMEDIATE`` on SQLite."""
    if is_sqlite(engine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield
