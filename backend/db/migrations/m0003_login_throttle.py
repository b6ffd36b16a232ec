"""Login attempt counters shared by every worker and process (backend/accounts/throttle.py).

Written as plain SQL that SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "login throttle"

STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS login_throttle ("
    "bucket VARCHAR(80) PRIMARY KEY, "
    "hits INTEGER NOT NULL, "
    "window_start BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS login_throttle_window_start ON login_throttle (window_start)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def create_table():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_table)
    return manager
