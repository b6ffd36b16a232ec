"""``lingkar rebuild-figures`` recomputes the kept figures from the source tables."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from backend.db import SQL, database
from tests.conftest import REPO


async def test_rebuild_figures_restores_what_was_lost(
    app, facilitator, new_group, new_member, enrol, database_url, tmp_path
):
    group = await new_group()
    members = [await new_member(f"Person {i}") for i in range(3)]
    joined = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    for m in members:
        await enrol(group["id"], m["id"], joined_on=joined)
    starts = (datetime.now(UTC) - timedelta(days=7)).replace(microsecond=0)
    session = (
        await facilitator.client.post(
            f"/api/v1/groups/{group['id']}/sessions",
            json={"starts_at": starts.isoformat(), "duration_minutes": 60},
        )
    ).json()["sessions"][0]
    roll = {"records": [{"member_id": members[0]["id"], "status": "present"}]}
    put = await facilitator.client.put(f"/api/v1/sessions/{session['id']}/attendance", json=roll)
    assert put.status_code == 200, put.text
    report_url = f"/api/v1/groups/{group['id']}/report"
    before = (await facilitator.client.get(report_url)).json()
    assert before["members"][0]["held"] == 1

    async with database().write() as db:
        for table in ("attendance_fact", "session_figures", "member_group_figures"):
            await db.execute(SQL(f"DELETE FROM {table}"))
    lost = (await facilitator.client.get(report_url)).json()
    assert lost != before and lost["held_sessions"] == 0

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "backend.cli", "rebuild-figures"],
        env={
            **os.environ,
            "LINGKAR_DATABASE_URL": database_url,
            "LINGKAR_VAR_DIR": str(tmp_path),
            "PICCOLO_CONF": "backend.db.piccolo_conf",
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "3 attendance fact rows" in result.stdout, result.stdout
    assert (await facilitator.client.get(report_url)).json() == before
