from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend.archive.service import ARCHIVED_TABLES, ArchiveError, export_archive, import_archive
from backend.attendance.tables import Attendance
from backend.curricula.tables import Curriculum, CurriculumStep
from backend.db.engine import build_engine, stop_engine
from backend.db.schema import bind, migrate
from backend.followup.tables import FollowUpContact
from backend.scheduling.tables import Session


async def snapshot() -> dict[str, list[dict]]:
    return {
        t._meta.tablename: await t.select().order_by(t._meta.primary_key) for t in ARCHIVED_TABLES
    }


@pytest.fixture
async def populated(facilitator, new_group, new_member, enrol):
    group = await new_group(capacity=2)
    members = [await new_member(f"Nama {i} ☺") for i in range(3)]
    for member in members:
        await enrol(group["id"], member["id"])
    start = datetime(2026, 1, 6, 11, 0, tzinfo=UTC)
    rows = await Session.insert(
        *[
            Session(
                group=group["id"],
                starts_at=start + timedelta(weeks=w),
                ends_at=start + timedelta(weeks=w, hours=2),
                updated_at=start,
                roll_taken_at=start + timedelta(weeks=w, hours=2),
            )
            for w in range(3)
        ]
    ).returning(Session.id)
    await Attendance.insert(
        *[
            Attendance(
                session=r["id"],
                group=group["id"],
                member=members[0]["id"],
                status="present",
                participation="led",
                purpose_mask=1,
                note="confidential",
                updated_at=start,
            )
            for r in rows
        ]
    )
    await FollowUpContact.insert(
        FollowUpContact(
            group=group["id"],
            member=members[1]["id"],
            contacted_by=facilitator.id,
            contacted_at=start + timedelta(weeks=3),
            outcome="reached",
            note="rang on Monday",
        )
    )
    rows = await Curriculum.insert(
        Curriculum(name="Programme", language="id", created_at=start, created_by=facilitator.id)
    ).returning(Curriculum.id)
    await CurriculumStep.insert(
        *[
            CurriculumStep(curriculum=rows[0]["id"], position=p, code=f"S{p}", title=f"Step {p}")
            for p in (1, 2)
        ]
    )
    return group


async def test_export_then_import_reproduces_every_row(populated, tmp_path, app):
    archive = tmp_path / "lingkar.archive"
    progress = io.StringIO()
    counts = await export_archive(archive, progress=progress)
    assert counts["attendance"] == 3 and counts["membership"] == 3
    assert counts["follow_up_contact"] == 1
    assert counts["curriculum"] == 1 and counts["curriculum_step"] == 2
    assert "Exported" in progress.getvalue()
    before = await snapshot()

    target = build_engine(str(tmp_path / "restored.sqlite3"))
    try:
        await migrate(target)
        await import_archive(archive, target, progress=None)
        after = await snapshot()
    finally:
        bind(app.state.engine)
        await stop_engine(target)
    users_before = [{**u, "password_hash": ""} for u in before.pop("app_user")]
    assert after.pop("app_user") == users_before  # hashes only with --with-password-hashes
    assert after == before


async def test_import_refuses_a_non_empty_database(populated, tmp_path, app):
    archive = tmp_path / "a.archive"
    await export_archive(archive, progress=None)
    rows_before = await snapshot()
    with pytest.raises(ArchiveError, match="not empty"):
        await import_archive(archive, app.state.engine, progress=None)
    assert await snapshot() == rows_before


@pytest.mark.parametrize("damage", ["truncate", "flip", "not-gzip", "wrong-format"])
async def test_import_refuses_a_damaged_archive_and_writes_nothing(
    populated, tmp_path, app, damage
):
    archive = tmp_path / "a.archive"
    await export_archive(archive, progress=None)
    lines = gzip.decompress(archive.read_bytes()).decode().splitlines(keepends=True)
    if damage == "truncate":
        archive.write_bytes(gzip.compress("".join(lines[: len(lines) // 2]).encode()))
    elif damage == "flip":
        lines[3] = lines[3].replace("Nama", "Nami")
        archive.write_bytes(gzip.compress("".join(lines).encode()))
    elif damage == "not-gzip":
        archive.write_bytes(b"PK\x03\x04 not an archive")
    else:
        archive.write_bytes(gzip.compress(b'{"format": "something-else"}\n'))

    target = build_engine(str(tmp_path / "empty.sqlite3"))
    try:
        await migrate(target)
        with pytest.raises(ArchiveError):
            await import_archive(archive, target, progress=None)
        assert all([await t.count() == 0 for t in ARCHIVED_TABLES])
    finally:
        bind(app.state.engine)
        await stop_engine(target)


def test_cli_refuses_corrupt_file_with_a_message(tmp_path: Path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "bad.archive"
    bad.write_bytes(b"garbage")
    env = {
        **os.environ,
        "LINGKAR_VAR_DIR": str(tmp_path),
        "LINGKAR_DEMO_DATA": "0",
        "LINGKAR_DATABASE_URL": str(tmp_path / "x.sqlite3"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "import", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "damaged or incomplete" in result.stderr
