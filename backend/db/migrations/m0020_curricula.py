"""Curricula and their ordered steps (backend/curricula).

Plain SQL; only the auto-incrementing id is written differently for SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "curricula"


def statements(serial: str) -> tuple[str, ...]:
    return (
        f"CREATE TABLE IF NOT EXISTS curriculum (id {serial}, "
        "name VARCHAR(200) NOT NULL, language VARCHAR(8) NOT NULL, "
        "created_at TIMESTAMPTZ NOT NULL, "
        "created_by INTEGER REFERENCES app_user (id) ON DELETE SET NULL ON UPDATE CASCADE)",
        "CREATE UNIQUE INDEX IF NOT EXISTS curriculum_name_language ON curriculum (name, language)",
        f"CREATE TABLE IF NOT EXISTS curriculum_step (id {serial}, "
        "curriculum INTEGER NOT NULL REFERENCES curriculum (id) "
        "ON DELETE CASCADE ON UPDATE CASCADE, "
        "position INTEGER NOT NULL, code VARCHAR(32) NOT NULL, title VARCHAR(200) NOT NULL, "
        "module VARCHAR(200), guide VARCHAR(100))",
        "CREATE UNIQUE INDEX IF NOT EXISTS curriculum_step_position "
        "ON curriculum_step (curriculum, position)",
        "CREATE UNIQUE INDEX IF NOT EXISTS curriculum_step_code "
        "ON curriculum_step (curriculum, code)",
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        serial = (
            "INTEGER PRIMARY KEY NOT NULL"
            if engine.engine_type == "sqlite"
            else "SERIAL PRIMARY KEY NOT NULL"
        )
        for statement in statements(serial):
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager
