"""Indexes of the kept attendance figures, member matching and the roll-call queue.

Written as plain SQL that SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes of kept figures and member matching"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_fact_session_member "
    "ON attendance_fact (session, member)",
    "CREATE INDEX IF NOT EXISTS attendance_fact_member_time "
    'ON attendance_fact ("group", member, starts_at, session)',
    "CREATE INDEX IF NOT EXISTS attendance_fact_by_member ON attendance_fact (member, starts_at)",
    'CREATE INDEX IF NOT EXISTS attendance_fact_group_time ON attendance_fact ("group", starts_at)',
    "CREATE UNIQUE INDEX IF NOT EXISTS member_group_figures_pair "
    'ON member_group_figures ("group", member)',
    "CREATE UNIQUE INDEX IF NOT EXISTS session_figures_session ON session_figures (session)",
    # Covering: a report reads a group's sessions of a period from the index alone.
    "CREATE INDEX IF NOT EXISTS session_figures_group_time ON session_figures "
    '("group", starts_at, session, counted, present, late, excused, absent, served_mask)',
    "CREATE INDEX IF NOT EXISTS member_email ON member (email)",
    "CREATE INDEX IF NOT EXISTS member_phone_key ON member (phone_key)",
    # Sessions past their start without a roll: the "awaiting roll call" counts.
    'CREATE INDEX IF NOT EXISTS group_session_awaiting ON group_session ("group", starts_at) '
    "WHERE roll_taken_at IS NULL",
    # Reports read the kept figures now: the covering index of the old aggregates only cost
    # every roll call its upkeep.
    "DROP INDEX IF EXISTS attendance_group_cover",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
