"""One feedback answer per member and session (a unique index SQLite and PostgreSQL accept)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "session feedback unique rule"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS session_feedback_session_member "
    "ON session_feedback (session, member)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
