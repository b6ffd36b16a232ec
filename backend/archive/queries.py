"""The statements of imports that Piccolo's query builder cannot express."""

from __future__ import annotations

import sqlite3

from piccolo.engine.base import Engine


async def restart_sequence(engine: Engine, table: str) -> None:
    """PostgreSQL: the table's id sequence continues after the highest id imported."""
    await engine.run_ddl(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
    )


def sqlite_has_rows(connection: sqlite3.Connection, table: str) -> bool:
    return connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None
