"""A group's leader (ketua kelompok): one of its active members.

Plain SQL that SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "group leader"

STATEMENTS = (
    "ALTER TABLE work_group ADD COLUMN leader INTEGER "
    "REFERENCES member (id) ON DELETE SET NULL ON UPDATE CASCADE",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def add_column():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_column)
    return manager
