"""The benchmark's data generator writes every column of the tables it fills."""

from __future__ import annotations

from backend.db.tables import ALL_TABLES
from bench.data import COLUMNS, check_columns


def test_generator_columns_match_the_schema() -> None:
    check_columns()  # raises SystemExit naming the table when the schema has moved on
    names = {t._meta.tablename for t in ALL_TABLES}
    assert set(COLUMNS) <= names
