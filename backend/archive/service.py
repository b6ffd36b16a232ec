"""Export everything to a versioned archive, and import one into an empty database.

The archive is gzip-compressed JSON lines: a header (format, version, row counts), one line per
row, and a trailer with the SHA-256 of every row line, so a truncated or altered file is
refused before anything is written. Login sessions and calendar-feed tokens are secrets of the
running system and are not exported; password hashes only when asked for. Archives hold every
confidential note: they are written readable by their owner only (0600).

An import leaves no trace when it fails: on SQLite it builds a new database file next to the
target and moves it into place only once the schema and every row are in; on PostgreSQL the
migrations and the rows are one transaction.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import closing, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from piccolo.columns import Date, ForeignKey, Timestamptz
from piccolo.engine.base import Engine
from piccolo.table import Table

from backend.accounts.tables import User
from backend.archive import queries
from backend.attendance.tables import Attendance, AttendanceAudit
from backend.curricula.tables import Curriculum, CurriculumStep
from backend.db.connections import EngineConnection
from backend.db.engine import (
    build_engine,
    is_sqlite,
    sqlite_file,
    start_engine,
    stop_engine,
    write_transaction,
)
from backend.db.files import open_private
from backend.db.schema import bind, migrate
from backend.feedback.tables import SessionFeedback
from backend.figures import service as figures
from backend.followup.tables import FollowUpContact
from backend.groups.tables import Group, GroupFacilitator, Member, Membership
from backend.reminders.tables import ReminderOptOut, ReminderSent
from backend.rights.tables import RightsAudit
from backend.scheduling.tables import Series, Session

FORMAT = "lingkar-archive"
VERSION = 1
BATCH = 1000
# In dependency order: every row's references are already there when it is inserted.
ARCHIVED_TABLES: tuple[type[Table], ...] = (
    Member,
    User,
    Curriculum,
    CurriculumStep,
    Group,
    GroupFacilitator,
    Membership,
    Series,
    Session,
    Attendance,
    AttendanceAudit,
    FollowUpContact,
    SessionFeedback,
    ReminderSent,
    ReminderOptOut,
    RightsAudit,
)
BY_NAME = {t._meta.tablename: t for t in ARCHIVED_TABLES}


class ArchiveError(Exception):
    """The archive cannot be imported; nothing was written."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _progress(stream: TextIO | None) -> Callable[[str, int, int], None]:
    def report(table: str, done: int, total: int) -> None:
        if stream is not None and total and (done == total or done % 10_000 == 0):
            stream.write(f"\r  {table}: {done:,}/{total:,} rows")
            if done == total:
                stream.write("\n")
            stream.flush()

    return report


async def _rows(table: type[Table]) -> AsyncIterator[dict[str, Any]]:
    pk = table._meta.primary_key
    last = 0
    while True:
        batch = await table.select().where(pk > last).order_by(pk).limit(BATCH)
        if not batch:
            return
        for row in batch:
            yield row
        last = batch[-1][pk._meta.name]


async def export_archive(
    path: Path, *, include_password_hashes: bool = False, progress: TextIO | None = sys.stderr
) -> dict[str, int]:
    counts = {t._meta.tablename: await t.count() for t in ARCHIVED_TABLES}
    digest = hashlib.sha256()
    report = _progress(progress)
    tmp = path.with_name(path.name + ".partial")
    with open_private(tmp) as raw, gzip.open(raw, "wt", encoding="utf-8") as out:
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now().isoformat(),
            "password_hashes": include_password_hashes,
            "counts": counts,
        }
        out.write(json.dumps(header) + "\n")
        for table in ARCHIVED_TABLES:
            name = table._meta.tablename
            done = 0
            async for row in _rows(table):
                if table is User and not include_password_hashes:
                    row = {**row, "password_hash": ""}
                line = json.dumps(
                    {"t": name, "r": {k: _plain(v) for k, v in row.items()}},
                    sort_keys=True,
                    ensure_ascii=False,
                )
                digest.update(line.encode())
                out.write(line + "\n")
                done += 1
                report(name, done, counts[name])
        out.write(json.dumps({"end": True, "sha256": digest.hexdigest()}) + "\n")
    tmp.replace(path)
    if progress is not None:
        progress.write(f"Exported {sum(counts.values()):,} rows to {path}\n")
    return counts


def _decoders(table: type[Table]) -> dict[str, Callable[[Any], Any]]:
    decoders: dict[str, Callable[[Any], Any]] = {}
    for column in table._meta.columns:
        if isinstance(column, Timestamptz):
            decoders[column._meta.name] = datetime.fromisoformat
        elif isinstance(column, Date):
            decoders[column._meta.name] = date.fromisoformat
        elif isinstance(column, ForeignKey):
            decoders[column._meta.name] = int
    return decoders


def read_archive(path: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Read and check the whole archive; raises ArchiveError on anything wrong."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in BY_NAME}
    digest = hashlib.sha256()
    trailer = None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as archive:
            header = json.loads(archive.readline() or "null")
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ArchiveError(f"{path} is not a Lingkar archive.")
            if header.get("version") != VERSION:
                raise ArchiveError(
                    f"Archive version {header.get('version')} is not supported "
                    f"(this Lingkar reads version {VERSION})."
                )
            for number, line in enumerate(archive, start=2):
                record = json.loads(line)
                if record.get("end"):
                    trailer = record
                    break
                table, row = record.get("t"), record.get("r")
                if table not in BY_NAME or not isinstance(row, dict):
                    raise ArchiveError(f"Line {number} of the archive is not a known record.")
                digest.update(line.rstrip("\n").encode())
                decoders = _decoders(BY_NAME[table])
                rows[table].append(
                    {
                        k: (decoders[k](v) if k in decoders and v is not None else v)
                        for k, v in row.items()
                    }
                )
    except (
        OSError,
        EOFError,
        zlib.error,
        UnicodeDecodeError,
        json.JSONDecodeError,
        ValueError,
        TypeError,
    ) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"The archive is damaged or incomplete: {exc}") from exc
    if trailer is None:
        raise ArchiveError("The archive is incomplete: its closing checksum is missing.")
    if trailer.get("sha256") != digest.hexdigest():
        raise ArchiveError("The archive's checksum does not match its contents.")
    counts = header.get("counts", {})
    for name, table_rows in rows.items():
        # A table added after an archive was written is absent from its counts: no rows.
        if counts.get(name, 0) != len(table_rows):
            raise ArchiveError(
                f"The archive says {counts.get(name)} {name} rows but holds {len(table_rows)}."
            )
    return header, rows


async def import_archive(
    path: Path, engine: Engine, progress: TextIO | None = sys.stderr
) -> dict[str, int]:
    """Load the archive at ``path`` into the empty, migrated database of ``engine``, in one
    transaction; ArchiveError (nothing written) on a damaged archive or a non-empty database."""
    _header, rows = read_archive(path)
    counts = await _load(rows, engine, progress)
    if progress is not None:
        progress.write(f"Imported {sum(counts.values()):,} rows from {path}\n")
    return counts


async def _load(
    rows: dict[str, list[dict[str, Any]]], engine: Engine, progress: TextIO | None
) -> dict[str, int]:
    bind(engine)
    report = _progress(progress)
    async with write_transaction(engine):
        for table in ARCHIVED_TABLES:
            if await table.count() > 0:
                raise ArchiveError(
                    "The database is not empty; import only into a new, empty database."
                )
        # Members name the account that added them and accounts name their member record:
        # members go in first without their creator, who is set once the accounts are in.
        added_by: dict[int, list[int]] = {}
        for table in ARCHIVED_TABLES:
            name = table._meta.tablename
            table_rows = rows[name]
            if table is Member:
                for row in table_rows:
                    creator = row.pop("created_by", None)
                    if creator is not None:
                        added_by.setdefault(creator, []).append(row["id"])
            for start in range(0, len(table_rows), BATCH):
                chunk = table_rows[start : start + BATCH]
                try:
                    await table.insert(*[table(**row) for row in chunk])
                except Exception as exc:  # the database's own words: a constraint, a type
                    raise ArchiveError(
                        f"The archive's {name} rows cannot be stored: {exc}"
                    ) from exc
                report(name, start + len(chunk), len(table_rows))
        for user_id, member_ids in added_by.items():
            for start in range(0, len(member_ids), BATCH):
                await Member.update({Member.created_by: user_id}).where(
                    Member.id.is_in(member_ids[start : start + BATCH])
                )
        if not is_sqlite(engine):
            for table in ARCHIVED_TABLES:
                name = table._meta.tablename
                await queries.restart_sequence(engine, name)
        # The kept attendance figures are not in the archive: they are derived from what is,
        # so they are rebuilt in the same transaction.
        await figures.rebuild(EngineConnection(engine))
    return {name: len(r) for name, r in rows.items()}


async def import_into(
    database_url: str, path: Path, progress: TextIO | None = sys.stderr
) -> dict[str, int]:
    """Load the archive at ``path`` into the database at ``database_url`` (created and migrated
    as needed), all or nothing: on ArchiveError or any other failure nothing is written."""
    _header, rows = read_archive(path)
    if database_url.startswith(("postgres://", "postgresql://")):
        counts = await _import_into_postgres(database_url, rows, progress)
    else:
        counts = await _import_into_sqlite_file(sqlite_file(database_url), rows, progress)
    if progress is not None:
        progress.write(f"Imported {sum(counts.values()):,} rows from {path}\n")
    return counts


async def _import_into_postgres(
    database_url: str, rows: dict[str, list[dict[str, Any]]], progress: TextIO | None
) -> dict[str, int]:
    """Migrations and rows in one transaction: PostgreSQL rolls back its DDL too."""
    engine = build_engine(database_url)
    bind(engine)
    await start_engine(engine)
    try:
        async with engine.transaction():
            await migrate(engine)
            return await _load(rows, engine, progress)
    finally:
        await stop_engine(engine)


def _check_sqlite_target(target: Path) -> None:
    """ArchiveError unless ``target`` is absent or a SQLite database without archived rows that
    no other process has open."""
    if not target.exists():
        return
    try:
        with closing(sqlite3.connect(target)) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            for table in ARCHIVED_TABLES:
                name = table._meta.tablename
                if name in tables and queries.sqlite_has_rows(connection, name):
                    raise ArchiveError(
                        "The database is not empty; import only into a new, empty database."
                    )
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"{target} is not a usable SQLite database: {exc}") from exc
    # Closing the last connection removes the -wal file; one left means another process has
    # the database open.
    if Path(f"{target}-wal").exists():
        raise ArchiveError(f"{target} is in use; stop the server before importing.")


async def _import_into_sqlite_file(
    target: Path, rows: dict[str, list[dict[str, Any]]], progress: TextIO | None
) -> dict[str, int]:
    """Build the database in a new file next to ``target``; move it into place at the end."""
    _check_sqlite_target(target)
    made = [folder for folder in (target.parent, *target.parent.parents) if not folder.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".importing"
    )  # 0600, like every database file
    os.close(descriptor)
    building = Path(name)
    try:
        engine = build_engine(str(building))
        try:
            await migrate(engine)
            counts = await _load(rows, engine, progress)
        finally:
            await stop_engine(engine)
        # Everything into the main file, so it moves alone: no -wal or -shm beside it.
        with closing(sqlite3.connect(building)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode = DELETE")
        _check_sqlite_target(target)
        os.replace(building, target)
        _sync_directory(target.parent)
    except BaseException:
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
        for folder in made:  # deepest first
            with suppress(OSError):
                folder.rmdir()
        raise
    return counts


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
