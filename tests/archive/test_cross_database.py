"""Export from SQLite, import into PostgreSQL: the group reports are byte-identical JSON."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from backend.app import create_app
from backend.archive.service import export_archive, import_archive
from backend.db.tables import ALL_TABLES
from tests.attendance.conftest import days_ago, make_sessions
from tests.conftest import POSTGRES_URL, login_client

__all__ = ["make_sessions"]  # a fixture used below

STATUSES = ("present", "late", "excused", "absent")
PARTICIPATION = ("observed", "contributed", "led")


@pytest.mark.skipif(not POSTGRES_URL, reason="LINGKAR_TEST_POSTGRES_URL is not set")
async def test_reports_are_identical_after_moving_from_sqlite_to_postgresql(
    request, backend_name, settings, admin, new_group, new_member, enrol, make_sessions, tmp_path
):
    if backend_name != "sqlite":
        pytest.skip("this test exports from SQLite itself")
    rng = random.Random(11)
    groups = []
    for number in range(2):
        group = await new_group(
            name=f"Group {number}",
            capacity=8,
            purposes=["mutual-aid", "reduce-isolation", "social-change"],
        )
        members = [await new_member(f"Anggota {number}-{i}") for i in range(8)]
        for member in members:
            await enrol(group["id"], member["id"], joined_on="2025-01-01")
        sessions = await make_sessions(group["id"], [days_ago(7 * w + 1) for w in range(10)])
        for session in sessions:
            records = []
            for member in members:
                status = rng.choice(STATUSES)
                attended = status in ("present", "late")
                records.append(
                    {
                        "member_id": member["id"],
                        "status": status,
                        "participation": rng.choice(PARTICIPATION) if attended else None,
                        "purposes": rng.sample(group["purposes"], rng.randint(0, 2))
                        if attended
                        else [],
                        "note": "confidential" if rng.random() < 0.2 else None,
                    }
                )
            response = await admin.client.put(
                f"/api/v1/sessions/{session}/attendance", json={"records": records}
            )
            assert response.status_code == 200, response.text
        groups.append(group)

    async def reports(client) -> list[bytes]:
        out = []
        for group in groups:
            response = await client.get(
                f"/api/v1/groups/{group['id']}/report",
                params={"from": "2024-01-01", "to": "2030-01-01"},
            )
            assert response.status_code == 200, response.text
            out.append(response.content)
        return out

    on_sqlite = await reports(admin.client)
    archive = tmp_path / "move.archive"
    await export_archive(archive, include_password_hashes=True, progress=None)

    postgres_url = request.getfixturevalue("postgres_migrated")
    pg_app = create_app(replace(settings, database_url=postgres_url))
    for hook in pg_app.on_startup:
        await hook(pg_app)
    try:
        names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
        await pg_app.state.engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        await import_archive(archive, pg_app.state.engine, progress=None)
        client = await login_client(pg_app, admin.user.email, admin.password)
        on_postgres = await reports(client)
        await client.aclose()
    finally:
        for hook in pg_app.on_shutdown:
            await hook(pg_app)
    assert on_postgres == on_sqlite
