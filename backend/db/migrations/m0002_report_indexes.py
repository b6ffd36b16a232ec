"""Unique rules, and indexes for the reports' GROUP BYs and the calendar's range scans.

Written as plain SQL that SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "report and schedule indexes"

INDEXES = (
    # Composite unique rules (SQLite cannot add constraints to existing tables).
    "CREATE UNIQUE INDEX IF NOT EXISTS group_facilitator_unique ON group_facilitator "
    '("group", "user")',
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_session_member ON attendance (session, member)",
    # Covering index for per-member and per-session aggregates of one group.
    "CREATE INDEX IF NOT EXISTS attendance_group_cover ON attendance "
    '("group", session, member, status, participation, purpose_mask)',
    "CREATE INDEX IF NOT EXISTS attendance_member_session ON attendance (member, session)",
    'CREATE INDEX IF NOT EXISTS group_session_group_starts ON group_session ("group", starts_at)',
    "CREATE INDEX IF NOT EXISTS group_session_location_starts ON group_session "
    "(location, starts_at)",
    'CREATE INDEX IF NOT EXISTS membership_group_status ON membership ("group", status)',
    "CREATE INDEX IF NOT EXISTS attendance_audit_session ON attendance_audit (session, id)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
