"""Members' data rights: their own export, erasure by an admin (reports unchanged, nothing
personal left anywhere in the database) and retention with a fixed clock."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date

import asyncpg

from backend.rights import service as rights
from backend.rights.tables import RightsAudit
from tests.attendance.conftest import days_ago
from tests.conftest import REPO

SECRET_TEXTS = {
    "name": "Ani Rahasiawati",
    "email": "ani.rahasiawati@example.test",
    "phone": "0812 3456 7890",
    "phone_key": "6281234567890",
    "note": "Told us about her illness in confidence",
    "audit_note": "An earlier note about the family of Ani",
    "contact": "Called her sister at home",
    "comment": "A private comment by Ani about the group",
}


async def database_dump(database_url: str) -> str:
    """Every value of the database as text: SQLite's iterdump, or every text column of every
    table on PostgreSQL."""
    if not database_url.startswith("postgres"):
        connection = sqlite3.connect(database_url)
        try:
            return "\n".join(connection.iterdump())
        finally:
            connection.close()
    connection = await asyncpg.connect(database_url)
    try:
        columns = await connection.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')"
        )
        values = []
        for column in columns:
            rows = await connection.fetch(
                f'SELECT "{column["column_name"]}" AS v FROM "{column["table_name"]}"'
            )
            values += [str(r["v"]) for r in rows if r["v"] is not None]
        return "\n".join(values)
    finally:
        await connection.close()


async def _ani(facilitator, make_actor, new_group, new_member, enrol, make_sessions):
    """Ani (a login, an email, a phone, notes, a follow-up contact, feedback) and two others."""
    group = await new_group(name="Circle of trust")
    ani = await new_member(
        SECRET_TEXTS["name"], email=SECRET_TEXTS["email"], phone=SECRET_TEXTS["phone"]
    )
    others = [await new_member("Budi Santoso"), await new_member("Citra Lestari")]
    ani_login = await make_actor("member", member_id=ani["id"], name=SECRET_TEXTS["name"])
    for person in (ani, *others):
        await enrol(group["id"], person["id"], joined_on=days_ago(60).date().isoformat())
    first, second = await make_sessions(group["id"], [days_ago(5), days_ago(2)])
    url = "/api/v1/sessions/{}/attendance"
    roll = {
        "records": [
            {"member_id": ani["id"], "status": "present", "note": SECRET_TEXTS["audit_note"]},
            {"member_id": others[0]["id"], "status": "late", "purposes": ["mutual-aid"]},
            {"member_id": others[1]["id"], "status": "absent"},
        ]
    }
    assert (await facilitator.client.put(url.format(first), json=roll)).status_code == 200
    roll["records"][0]["note"] = SECRET_TEXTS["note"]  # the audit keeps the earlier note
    assert (await facilitator.client.put(url.format(first), json=roll)).status_code == 200
    roll["records"][0] = {"member_id": ani["id"], "status": "absent"}
    assert (await facilitator.client.put(url.format(second), json=roll)).status_code == 200
    contact = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/members/{ani['id']}/contacts",
        json={"outcome": "reached", "note": SECRET_TEXTS["contact"]},
    )
    assert contact.status_code in (200, 201), contact.text
    ratings = {"heard": 4, "mattered": 4, "way-of-working": 4, "overall": 4}
    answer = await ani_login.client.put(
        f"/api/v1/me/sessions/{first}/feedback",
        json={"ratings": ratings, "comment": SECRET_TEXTS["comment"]},
    )
    assert answer.status_code == 201, answer.text
    return group, ani, ani_login, others, (first, second)


async def test_a_member_exports_their_own_data_and_nothing_else(
    facilitator, make_actor, new_group, new_member, enrol, make_sessions
):
    _group, _ani_record, ani_login, _others, (first, _second) = await _ani(
        facilitator, make_actor, new_group, new_member, enrol, make_sessions
    )
    response = await ani_login.client.get("/api/v1/me/export")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["profile"]["display_name"] == SECRET_TEXTS["name"]
    assert data["profile"]["email"] == SECRET_TEXTS["email"]
    assert [m["group_name"] for m in data["memberships"]] == ["Circle of trust"]
    assert {r["session_id"] for r in data["attendance"]["records"]} >= {first}
    text = json.dumps(data)
    for private in (SECRET_TEXTS["note"], SECRET_TEXTS["audit_note"], SECRET_TEXTS["contact"]):
        assert private not in text
    assert "Budi" not in text and "Citra" not in text
    assert (await facilitator.client.get("/api/v1/me/export")).status_code == 403
    page = await ani_login.client.get("/my?lang=id")
    assert 'href="/api/v1/me/export"' in page.text and "Unduh data saya" in page.text


async def test_erasure_leaves_every_report_the_same_and_no_personal_value_anywhere(
    admin, facilitator, make_actor, new_group, new_member, enrol, make_sessions, database_url
):
    group, ani, ani_login, others, (_first, second) = await _ani(
        facilitator, make_actor, new_group, new_member, enrol, make_sessions
    )
    erase_url = f"/api/v1/members/{ani['id']}/erase"
    enrolled = await admin.client.post(erase_url)
    assert enrolled.status_code == 409 and enrolled.json()["code"] == "member_still_enrolled"
    ended = await facilitator.client.delete(f"/api/v1/groups/{group['id']}/members/{ani['id']}")
    assert ended.status_code in (200, 204), ended.text
    assert (await facilitator.client.post(erase_url)).status_code == 403  # admins only

    report_url = f"/api/v1/groups/{group['id']}/report"
    before = (await facilitator.client.get(report_url)).content
    csv_before = (
        await facilitator.client.get(f"/api/v1/groups/{group['id']}/attendance.csv")
    ).content
    dump = await database_dump(database_url)
    assert [k for k, v in SECRET_TEXTS.items() if v not in dump] == [], "the test data is not there"

    erased = await admin.client.post(erase_url)
    assert erased.status_code == 200, erased.text
    result = erased.json()
    assert result["erased_now"] and result["login_removed"]
    assert result["notes_removed"] == 1 and result["contact_notes_removed"] == 1
    assert result["audit_entries_scrubbed"] >= 2

    label = f"#{ani['id']}"
    after = (await facilitator.client.get(report_url)).content
    # The same bytes, but for the name, which is now the member's number.
    assert after == before.replace(
        json.dumps(SECRET_TEXTS["name"]).encode(), json.dumps(label).encode()
    )
    assert after != before
    csv_after = (
        await facilitator.client.get(f"/api/v1/groups/{group['id']}/attendance.csv")
    ).content
    assert csv_after == csv_before.replace(SECRET_TEXTS["name"].encode(), label.encode())

    dump = await database_dump(database_url)
    left = [key for key, value in SECRET_TEXTS.items() if value in dump]
    assert not left, f"still in the database: {left}"
    assert ani_login.user.email not in dump
    # The login is gone: its session no longer works.
    assert (await ani_login.client.get("/api/v1/me")).status_code == 401
    # Audited without the erased values; a second erasure changes nothing.
    audits = await RightsAudit.select().where(RightsAudit.member_id == ani["id"])
    assert len(audits) == 1 and audits[0]["acted_by"] == admin.id
    # Consent withdrawn and data erased: no new record is taken.
    back = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/members",
        json={"member_id": ani["id"], "consent_given": True},
    )
    assert back.status_code == 409 and back.json()["code"] == "member_erased"
    # Nor by a late roll of a session from before Ani left; her kept record may stay as it is.
    roll_url = f"/api/v1/sessions/{second}/attendance"
    kept = [
        {"member_id": ani["id"], "status": "absent"},
        {"member_id": others[0]["id"], "status": "late", "purposes": ["mutual-aid"]},
        {"member_id": others[1]["id"], "status": "present"},
    ]
    assert (await facilitator.client.put(roll_url, json={"records": kept})).status_code == 200
    kept[0]["status"] = "present"
    late_roll = await facilitator.client.put(roll_url, json={"records": kept})
    assert late_roll.status_code == 409 and late_roll.json()["code"] == "member_erased"
    assert late_roll.json()["field"] == "records[0].member_id"
    statuses = {
        r["member_id"]: r["status"]
        for r in (await facilitator.client.get(roll_url)).json()["records"]
    }
    assert statuses[ani["id"]] == "absent" and statuses[others[1]["id"]] == "present"
    # The roll as it was, so the report below is the one read after the erasure.
    kept[0]["status"], kept[2]["status"] = "absent", "absent"
    assert (await facilitator.client.put(roll_url, json={"records": kept})).status_code == 200
    after = (await facilitator.client.get(report_url)).content
    again = await admin.client.post(erase_url)
    assert again.status_code == 200 and again.json()["erased_now"] is False
    assert (await facilitator.client.get(report_url)).content == after


async def test_retention_with_a_fixed_clock(
    facilitator, new_group, new_member, enrol, database_url, tmp_path
):
    group = await new_group()
    old = await new_member("Dewi Lama", email="dewi.lama@example.test")
    recent = await new_member("Eko Baru", email="eko.baru@example.test")
    staying = await new_member("Fajar Tetap")
    for person in (old, recent, staying):
        await enrol(group["id"], person["id"], joined_on="2019-06-01")
    for person, left in ((old, "2020-01-31"), (recent, "2025-06-30")):
        ended = await facilitator.client.request(
            "DELETE",
            f"/api/v1/groups/{group['id']}/members/{person['id']}",
            params={"left_on": left},
        )
        assert ended.status_code in (200, 204), ended.text

    kept = await rights.retention(None, today=date(2026, 11, 24))
    assert kept.erased == [] and kept.cutoff is None
    run = await rights.retention(3, today=date(2026, 11, 24))
    assert run.cutoff == date(2023, 11, 24)
    assert [e.member_id for e in run.erased] == [old["id"]]
    # Years later, the other one too; the first is not erased twice.
    later = await rights.retention(3, today=date(2028, 7, 1))
    assert [e.member_id for e in later.erased] == [recent["id"]]
    dump = await database_dump(database_url)
    assert "Dewi Lama" not in dump and "eko.baru@example.test" not in dump
    assert "Fajar Tetap" in dump
    runs = await RightsAudit.select().where(RightsAudit.action == "retention")
    assert len(runs) == 2 and all("Dewi" not in r["detail"] for r in runs)

    # The command reports what it did (and that nothing is done when the setting is unset).
    env = {
        **os.environ,
        "LINGKAR_DATABASE_URL": database_url,
        "LINGKAR_VAR_DIR": str(tmp_path),
        "LINGKAR_SECRET_KEY": "x" * 40,
        "PICCOLO_CONF": "backend.db.piccolo_conf",
    }
    for years, expected in (("", "nothing was done"), ("3", "0 members anonymised")):
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "backend.cli", "retention"],
            env={**env, "LINGKAR_RETENTION_YEARS": years},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout, result.stdout
