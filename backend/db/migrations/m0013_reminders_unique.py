"""Each reminder once (its key), and one opt-out per member and per account."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T01:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reminder unique rules"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS reminder_sent_key ON reminder_sent (key)",
    "CREATE UNIQUE INDEX IF NOT EXISTS reminder_opt_out_member ON reminder_opt_out (member)",
    'CREATE UNIQUE INDEX IF NOT EXISTS reminder_opt_out_user ON reminder_opt_out ("user")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
