"""Database access: Piccolo tables and migrations; the application's connections.

:func:`database` is the :class:`~backend.db.connections.Database` the running application (or a
command) opened; services take their transactions from it.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from backend.db.connections import Connection, Database
from backend.db.sql import SQL

__all__ = ["SQL", "Connection", "Database", "Reader", "convert", "database", "use_database"]

T = TypeVar("T")


def convert(rows: Any, into: type[T]) -> T:
    """Rows (dicts) as structs. SQLite hands back plain values (timestamps and dates as ISO
    text, booleans as 0 and 1), which msgspec's lax conversion turns into the declared types;
    PostgreSQL's values are already typed."""
    return msgspec.convert(rows, into, strict=False)


# Where one statement is enough: a transaction's connection, or the database itself.
Reader = Connection | Database

_current: Database | None = None


def use_database(db: Database | None) -> None:
    """Make ``db`` the one services use (at start-up; ``None`` at shut-down)."""
    global _current
    _current = db


def database() -> Database:
    if _current is None:
        raise RuntimeError("no database is open: the application or command opens one first")
    return _current
