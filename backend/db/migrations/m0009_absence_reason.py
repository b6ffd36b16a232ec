"""The reason of an excused absence (sick, permission, other), recorded by the facilitator or
by the member saying ahead that they cannot come."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-24T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "absence reasons"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="lingkar", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Attendance",
        tablename="attendance",
        column_name="absence_reason",
        db_column_name="absence_reason",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 12,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
