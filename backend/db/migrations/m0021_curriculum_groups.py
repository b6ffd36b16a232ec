"""A group may follow a curriculum; a session may teach one of its steps.

Plain SQL that SQLite and PostgreSQL both accept (a column added with a reference and no
default other than null).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "curriculum of a group, step of a session"

STATEMENTS = (
    "ALTER TABLE work_group ADD COLUMN curriculum INTEGER "
    "REFERENCES curriculum (id) ON DELETE RESTRICT ON UPDATE CASCADE",
    "ALTER TABLE group_session ADD COLUMN curriculum_step INTEGER "
    "REFERENCES curriculum_step (id) ON DELETE SET NULL ON UPDATE CASCADE",
    "CREATE INDEX IF NOT EXISTS group_session_curriculum_step ON group_session (curriculum_step)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def add_columns():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_columns)
    return manager
