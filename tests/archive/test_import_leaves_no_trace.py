"""``lingkar import`` writes nothing when it fails, and database files and archives are private
(0600): through the command, on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.archive.service import BY_NAME, FORMAT, VERSION
from backend.db import SQL
from backend.db.connections import open_database
from backend.db.engine import build_engine, start_engine, stop_engine
from backend.db.schema import migrate
from backend.db.tables import ALL_TABLES
from tests.conftest import PASSWORD, POSTGRES_URL, run_in_thread

MEMBER = {
    "id": 1,
    "display_name": "Siti",
    "email": None,
    "phone": None,
    "created_at": "2026-01-05T03:00:00+00:00",
}
# A facilitator of a group that is not in the archive: storing it breaks a foreign key, after
# the schema and the member are in.
DANGLING = {"id": 1, "group": 7, "user": 9}


def write_archive(path: Path, rows: dict[str, list[dict]]) -> Path:
    """An archive as ``lingkar export`` writes it: header, rows, checksum trailer."""
    lines = [
        json.dumps({"t": table, "r": row}, sort_keys=True, ensure_ascii=False)
        for table in BY_NAME
        for row in rows.get(table, [])
    ]
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": "2026-11-24T10:00:00",
        "password_hashes": False,
        "counts": {table: len(rows.get(table, [])) for table in BY_NAME},
    }
    digest = hashlib.sha256("".join(lines).encode()).hexdigest()
    body = [json.dumps(header), *lines, json.dumps({"end": True, "sha256": digest})]
    path.write_bytes(gzip.compress(("\n".join(body) + "\n").encode()))
    return path


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are readable by everyone unless made private."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def lingkar(database_url: str, var_dir: Path, *args: str, stdin: str | None = None):
    env = {
        **os.environ,
        "LINGKAR_VAR_DIR": str(var_dir),
        "LINGKAR_DATABASE_URL": database_url,
        "LINGKAR_SECRET_KEY": "a-secret-for-the-import-tests",
        "LINGKAR_DEMO_DATA": "0",
        "PICCOLO_CONF": "backend.db.piccolo_conf",
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def archives(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "archives"
    folder.mkdir()
    garbage = folder / "garbage.archive"
    garbage.write_bytes(b"PK\x03\x04 not an archive")
    return {
        "damaged": garbage,
        "rows-that-do-not-fit": write_archive(
            folder / "dangling.archive", {"member": [MEMBER], "group_facilitator": [DANGLING]}
        ),
        "good": write_archive(folder / "good.archive", {"member": [MEMBER]}),
    }


@pytest.mark.parametrize("archive", ["damaged", "rows-that-do-not-fit"])
def test_a_failed_import_creates_no_sqlite_file(tmp_path, archives, archive, umask_022):
    data = tmp_path / "data" / "new"
    result = lingkar(
        str(data / "lingkar.sqlite3"), tmp_path / "var", "import", str(archives[archive])
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: " in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("archive", ["damaged", "rows-that-do-not-fit", "good"])
def test_a_failed_import_leaves_an_existing_sqlite_database_as_it_was(
    tmp_path, archives, archive, umask_022
):
    database = tmp_path / "data" / "lingkar.sqlite3"
    url, var = str(database), tmp_path / "var"
    assert lingkar(url, var, "migrate").returncode == 0
    created = lingkar(
        url,
        var,
        *("create-user", "--email", "a@test.example", "--name", "A", "--role", "admin"),
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    before = files_of(database.parent)
    assert list(before) == ["lingkar.sqlite3"]

    result = lingkar(url, var, "import", str(archives[archive]))
    assert result.returncode == 1, result.stdout + result.stderr
    if archive == "good":
        assert "not empty" in result.stderr
    assert files_of(database.parent) == before


def test_an_import_makes_a_private_sqlite_file_and_nothing_beside_it(tmp_path, archives, umask_022):
    database = tmp_path / "data" / "lingkar.sqlite3"
    result = lingkar(str(database), tmp_path / "var", "import", str(archives["good"]))
    assert result.returncode == 0, result.stderr
    assert list(files_of(database.parent)) == ["lingkar.sqlite3"]
    assert mode(database) == 0o600
    listed = lingkar(str(database), tmp_path / "var", "export", str(tmp_path / "again.archive"))
    assert listed.returncode == 0, listed.stderr
    assert mode(tmp_path / "again.archive") == 0o600
    with gzip.open(tmp_path / "again.archive", "rt") as again:
        assert json.loads(again.readline())["counts"]["member"] == 1


def test_an_import_into_an_empty_migrated_sqlite_database_replaces_it(tmp_path, archives):
    database = tmp_path / "lingkar.sqlite3"
    assert lingkar(str(database), tmp_path / "var", "migrate").returncode == 0
    result = lingkar(str(database), tmp_path / "var", "import", str(archives["good"]))
    assert result.returncode == 0, result.stderr
    assert "Imported 1 rows" in result.stderr
    export = lingkar(str(database), tmp_path / "var", "export", str(tmp_path / "out.archive"))
    assert export.returncode == 0, export.stderr


def test_sqlite_database_files_and_archives_are_private(tmp_path, umask_022):
    path = tmp_path / "lingkar.sqlite3"

    async def work() -> None:
        from backend.archive.service import export_archive

        engine = build_engine(str(path))
        database = open_database(str(path), serving=True)
        try:
            await start_engine(engine)
            await migrate(engine)
            await database.start()
            # While the server has the database open, its WAL and shared-memory files exist.
            async with database.read() as db:
                await db.fetch(SQL("SELECT COUNT(*) AS n FROM member"))
                for suffix in ("", "-wal", "-shm"):
                    assert mode(Path(f"{path}{suffix}")) == 0o600, suffix
            await export_archive(tmp_path / "all.archive", progress=None)
        finally:
            await database.close()
            await stop_engine(engine)

    run_in_thread(work)
    assert mode(tmp_path / "all.archive") == 0o600


async def _public_tables(url: str) -> list[str]:
    engine = build_engine(url)
    try:
        rows = await engine.run_ddl(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await stop_engine(engine)
    return sorted(row["table_name"] for row in rows)


@pytest.mark.skipif(not POSTGRES_URL, reason="LINGKAR_TEST_POSTGRES_URL is not set")
@pytest.mark.parametrize("archive", ["damaged", "rows-that-do-not-fit"])
def test_a_failed_import_into_a_new_postgresql_database_creates_nothing(
    tmp_path, archives, archive, request
):
    url = request.getfixturevalue("postgres_migrated")

    async def reset() -> None:
        engine = build_engine(url)
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")

    async def restore() -> None:
        engine = build_engine(url)
        await reset()
        await migrate(engine)

    run_in_thread(reset)  # a new, empty database
    try:
        result = lingkar(url, tmp_path / "var", "import", str(archives[archive]))
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert asyncio.run(_public_tables(url)) == []
    finally:
        run_in_thread(restore)  # as the rest of the suite expects it


@pytest.mark.skipif(not POSTGRES_URL, reason="LINGKAR_TEST_POSTGRES_URL is not set")
def test_a_failed_import_into_postgresql_keeps_its_rows(tmp_path, archives, request):
    url = request.getfixturevalue("postgres_migrated")

    async def truncate() -> None:
        names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
        await build_engine(url).run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    run_in_thread(truncate)
    created = lingkar(
        url,
        tmp_path / "var",
        *("create-user", "--email", "pg@test.example", "--name", "P", "--role", "admin"),
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    before = asyncio.run(_public_tables(url))
    result = lingkar(url, tmp_path / "var", "import", str(archives["good"]))
    assert result.returncode == 1 and "not empty" in result.stderr
    assert asyncio.run(_public_tables(url)) == before
    export = lingkar(url, tmp_path / "var", "export", str(tmp_path / "pg.archive"))
    with gzip.open(tmp_path / "pg.archive", "rt") as archive:
        counts = json.loads(archive.readline())["counts"]
    assert export.returncode == 0 and counts["app_user"] == 1 and counts["member"] == 0
