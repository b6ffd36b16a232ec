from __future__ import annotations

import asyncio
from datetime import timedelta

from backend.attendance.tables import Attendance, AttendanceAudit
from backend.scheduling.tables import Session
from tests.attendance.conftest import days_ago


async def _setup(new_group, new_member, enrol, make_sessions, count=4, capacity=10, **group):
    created = await new_group(capacity=capacity, **group)
    joined = (days_ago(100)).date().isoformat()
    members = [await new_member(f"Person {i:02d}") for i in range(count)]
    for m in members:
        await enrol(created["id"], m["id"], joined_on=joined)
    (session_id,) = await make_sessions(created["id"], [days_ago(3)])
    return created, [m["id"] for m in members], session_id


def url(session_id: int) -> str:
    return f"/api/v1/sessions/{session_id}/attendance"


async def audit_count(session_id: int) -> int:
    return await AttendanceAudit.count().where(AttendanceAudit.session == session_id)


async def test_roll_is_stored_returned_and_marks_the_roll_taken(
    facilitator, new_group, new_member, enrol, make_sessions
):
    _group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions)
    body = {
        "records": [
            {
                "member_id": ids[0],
                "status": "present",
                "participation": "led",
                "purposes": ["mutual-aid", "reduce-isolation"],
                "note": "Spoke about her week.",
            },
            {"member_id": ids[1], "status": "late", "participation": "observed"},
            {"member_id": ids[2], "status": "excused"},
            {"member_id": ids[3], "status": "absent"},
        ]
    }
    response = await facilitator.client.put(url(sid), json=body)
    assert response.status_code == 200, response.text
    roll = response.json()
    assert roll["roll_taken_at"] is not None
    assert roll == (await facilitator.client.get(url(sid))).json()
    first = roll["records"][0]
    assert first["member_id"] == ids[0]
    assert first["purposes"] == ["mutual-aid", "reduce-isolation"]
    assert first["note"] == "Spoke about her week."
    assert [r["status"] for r in roll["records"]] == ["present", "late", "excused", "absent"]
    assert await audit_count(sid) == 4


async def test_undeclared_purpose_is_422_naming_the_record_and_nothing_is_stored(
    facilitator, new_group, new_member, enrol, make_sessions
):
    _group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions)
    records = [{"member_id": i, "status": "present"} for i in ids]
    records[3]["purposes"] = ["social-change"]
    response = await facilitator.client.put(url(sid), json={"records": records})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "records[3].purposes"
    assert "social-change" in problem["detail"] and str(ids[3]) in problem["detail"]
    assert await Attendance.count().where(Attendance.session == sid) == 0
    assert await audit_count(sid) == 0
    session = await Session.select(Session.roll_taken_at).where(Session.id == sid).first()
    assert session["roll_taken_at"] is None


async def test_one_bad_record_in_fifteen_leaves_the_stored_roll_unchanged(
    facilitator, new_group, new_member, enrol, make_sessions
):
    _group, ids, sid = await _setup(
        new_group, new_member, enrol, make_sessions, count=15, capacity=20
    )
    good = [{"member_id": i, "status": "present", "participation": "contributed"} for i in ids]
    assert (await facilitator.client.put(url(sid), json={"records": good})).status_code == 200
    before = (await facilitator.client.get(url(sid))).json()
    audits = await audit_count(sid)
    changed = [{"member_id": i, "status": "absent"} for i in ids]
    changed[9] = {"member_id": ids[9], "status": "absent", "participation": "led"}
    response = await facilitator.client.put(url(sid), json={"records": changed})
    assert response.status_code == 422
    assert response.json()["field"] == "records[9].participation"
    assert (await facilitator.client.get(url(sid))).json() == before
    assert await audit_count(sid) == audits


async def test_same_roll_twice_changes_nothing(
    facilitator, new_group, new_member, enrol, make_sessions
):
    _group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions)
    body = {
        "records": [
            {"member_id": ids[0], "status": "present", "purposes": ["mutual-aid"], "note": "n"},
            {"member_id": ids[1], "status": "absent"},
        ]
    }
    first = await facilitator.client.put(url(sid), json=body)
    audits = await audit_count(sid)
    second = await facilitator.client.put(url(sid), json=body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert await audit_count(sid) == audits == 2


async def test_members_left_out_of_a_repeated_roll_lose_their_record_and_it_is_audited(
    facilitator, new_group, new_member, enrol, make_sessions
):
    _group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions)
    full = {"records": [{"member_id": i, "status": "present", "note": f"n{i}"} for i in ids]}
    await facilitator.client.put(url(sid), json=full)
    partial = {
        "records": [
            {"member_id": ids[0], "status": "present", "note": f"n{ids[0]}"},
            {"member_id": ids[1], "status": "late", "participation": "observed"},
        ]
    }
    roll = (await facilitator.client.put(url(sid), json=partial)).json()
    assert [r["member_id"] for r in roll["records"]] == ids[:2]
    history = (await facilitator.client.get(url(sid) + "/history")).json()["entries"]
    assert len(history) == 4 + 3
    creations = [e for e in history if e["before"] is None]
    assert {e["member_id"] for e in creations} == set(ids)
    update = next(e for e in history[4:] if e["after"] is not None)
    assert update["member_id"] == ids[1]
    assert update["before"] == {
        "status": "present",
        "participation": None,
        "purposes": [],
        "note": f"n{ids[1]}",
    }
    assert update["after"] == {
        "status": "late",
        "participation": "observed",
        "purposes": [],
        "note": None,
    }
    removals = [e for e in history if e["after"] is None]
    assert {e["member_id"] for e in removals} == set(ids[2:])
    assert all(e["changed_by"] == facilitator.id for e in history)
    assert all(e["changed_at"].endswith("Z") for e in history)


async def test_only_members_active_on_the_sessions_date_may_be_named(
    facilitator, new_group, new_member, enrol, make_sessions
):
    group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions)
    newcomer = await new_member("Newcomer")
    await enrol(group["id"], newcomer["id"])  # joined today, after the session
    stranger = await new_member("Stranger")
    for member_id in (newcomer["id"], stranger["id"]):
        response = await facilitator.client.put(
            url(sid),
            json={
                "records": [
                    {"member_id": ids[0], "status": "present"},
                    {"member_id": member_id, "status": "present"},
                ]
            },
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "records[1].member_id"
    # A member who has since left may still be recorded for a session while they belonged.
    await facilitator.client.delete(f"/api/v1/groups/{group['id']}/members/{ids[2]}")
    response = await facilitator.client.put(
        url(sid), json={"records": [{"member_id": ids[2], "status": "absent"}]}
    )
    assert response.status_code == 200, response.text


async def test_rule_breaking_rolls(facilitator, new_group, new_member, enrol, make_sessions):
    _group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions)
    cases = [
        (
            [{"member_id": ids[0], "status": "present"}, {"member_id": ids[0], "status": "absent"}],
            422,
            "records[1].member_id",
        ),
        (
            [{"member_id": ids[0], "status": "absent", "purposes": ["mutual-aid"]}],
            422,
            "records[0].purposes",
        ),
        (
            [{"member_id": ids[0], "status": "excused", "participation": "observed"}],
            422,
            "records[0].participation",
        ),
        (
            [{"member_id": ids[0], "status": "present", "purposes": ["mutual-aid", "mutual-aid"]}],
            422,
            "records[0].purposes",
        ),
        ([{"member_id": ids[0], "status": "present", "note": "x" * 2001}], 400, None),
        ([{"member_id": ids[0], "status": "gone"}], 400, None),
        ([{"member_id": ids[0], "status": "present", "purposes": ["not-a-purpose"]}], 400, None),
    ]
    for records, status, field in cases:
        response = await facilitator.client.put(url(sid), json={"records": records})
        assert response.status_code == status, (records, response.text)
        if field:
            assert response.json()["field"] == field
    assert await Attendance.count().where(Attendance.session == sid) == 0


async def test_cancelled_and_future_sessions(
    facilitator, new_group, new_member, enrol, make_sessions
):
    group, ids, _ = await _setup(new_group, new_member, enrol, make_sessions)
    (cancelled,) = await make_sessions(group["id"], [days_ago(2)], status="cancelled")
    response = await facilitator.client.put(
        url(cancelled), json={"records": [{"member_id": ids[0], "status": "present"}]}
    )
    assert response.status_code == 409
    (future,) = await make_sessions(group["id"], [days_ago(-3)])
    response = await facilitator.client.put(
        url(future), json={"records": [{"member_id": ids[0], "status": "present"}]}
    )
    assert response.status_code == 409
    assert response.json()["field"] == "records[0].status"
    response = await facilitator.client.put(
        url(future), json={"records": [{"member_id": ids[0], "status": "excused"}]}
    )
    assert response.status_code == 200, response.text
    # Excusing ahead does not take the roll: the session is not held until it is called.
    assert response.json()["roll_taken_at"] is None


async def test_twenty_concurrent_rolls_all_succeed_and_one_wins_whole(
    facilitator, new_group, new_member, enrol, make_sessions
):
    _group, ids, sid = await _setup(
        new_group, new_member, enrol, make_sessions, count=10, capacity=12
    )
    statuses = ("present", "late", "excused", "absent")
    rolls = []
    for n in range(20):
        records = []
        for k, member_id in enumerate(ids):
            if (n + k) % 5 == 0:
                continue  # left out: absent, and any earlier record removed
            status = statuses[(n * 3 + k) % 4]
            record = {"member_id": member_id, "status": status, "note": f"roll {n}"}
            if status in ("present", "late"):
                record["participation"] = "contributed"
                record["purposes"] = ["mutual-aid"] if n % 2 else ["reduce-isolation"]
            records.append(record)
        rolls.append({"records": records})
    responses = await asyncio.gather(
        *[facilitator.client.put(url(sid), json=roll) for roll in rolls]
    )
    assert [r.status_code for r in responses] == [200] * 20, [r.text for r in responses]
    stored = (await facilitator.client.get(url(sid))).json()["records"]
    shape = sorted(
        (r["member_id"], r["status"], r["participation"], tuple(r["purposes"]), r["note"])
        for r in stored
    )
    candidates = [
        sorted(
            (
                r["member_id"],
                r["status"],
                r.get("participation"),
                tuple(r.get("purposes", [])),
                r["note"],
            )
            for r in roll["records"]
        )
        for roll in rolls
    ]
    assert shape in candidates
    # The audit trail replays to the stored roll.
    history = (await facilitator.client.get(url(sid) + "/history")).json()["entries"]
    replay: dict[int, dict] = {}
    for entry in history:
        if entry["after"] is None:
            replay.pop(entry["member_id"])
        else:
            replay[entry["member_id"]] = entry["after"]
    assert (
        sorted(
            (m, a["status"], a["participation"], tuple(a["purposes"]), a["note"])
            for m, a in replay.items()
        )
        == shape
    )


async def test_who_may_take_and_read_a_roll(
    facilitator, admin, make_actor, member_actor, new_group, new_member, enrol, make_sessions
):
    group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions)
    body = {"records": [{"member_id": ids[0], "status": "present", "note": "private"}]}
    outsider = await make_actor("facilitator")
    assert (await outsider.client.put(url(sid), json=body)).status_code == 404
    assert (await outsider.client.get(url(sid))).status_code == 404
    assert (await outsider.client.get(url(sid) + "/history")).status_code == 404
    assert (await admin.client.put(url(sid), json=body)).status_code == 200
    assert (await admin.client.get(url(sid) + "/history")).status_code == 200
    member, record = await member_actor()
    await enrol(group["id"], record["id"], joined_on=days_ago(50).date().isoformat())
    for method, path in (("GET", url(sid)), ("GET", url(sid) + "/history"), ("PUT", url(sid))):
        response = await member.client.request(method, path, json=body if method == "PUT" else None)
        assert response.status_code == 403
        assert "private" not in response.text
    assert (await facilitator.client.get(url(999999))).status_code == 404


async def test_updated_at_moves_only_when_a_record_changes(
    facilitator, new_group, new_member, enrol, make_sessions
):
    _group, ids, sid = await _setup(new_group, new_member, enrol, make_sessions, count=2)
    body = {"records": [{"member_id": i, "status": "present"} for i in ids]}
    first = (await facilitator.client.put(url(sid), json=body)).json()
    await Attendance.update({Attendance.updated_at: days_ago(1)}).where(Attendance.session == sid)
    body["records"][1]["status"] = "late"
    second = (await facilitator.client.put(url(sid), json=body)).json()
    assert second["records"][0]["updated_at"] == (days_ago(1)).isoformat().replace("+00:00", "Z")
    assert second["records"][1]["updated_at"] >= first["records"][1]["updated_at"]
    assert second["roll_taken_at"] == first["roll_taken_at"]
    assert timedelta(0) is not None
