"""The monthly report of a group: the month's sessions in the group's zone, counts by status of
the held ones, excused absences by reason, the leader, the facilitators, the steps taught."""

from __future__ import annotations

import pytest


@pytest.fixture
async def month(facilitator, admin, new_group, new_member, enrol):
    curriculum = await admin.client.post(
        "/api/v1/curricula",
        json={
            "name": "P2K2",
            "language": "id",
            "steps": [{"code": "M1.1", "title": "Pengasuhan"}, {"code": "M1.2", "title": "Anak"}],
        },
    )
    group = await new_group(
        name="Kelompok Mawar", timezone="Asia/Jakarta", curriculum_id=curriculum.json()["id"]
    )
    people = [await new_member(n) for n in ("Ani", "Budi", "Citra", "Dewi")]
    for person in people:
        await enrol(group["id"], person["id"], joined_on="2025-01-01")
    await facilitator.client.patch(
        f"/api/v1/groups/{group['id']}", json={"leader_member_id": people[1]["id"]}
    )
    url = f"/api/v1/groups/{group['id']}/sessions"
    # 00:30 WIB on 1 November is 31 October in UTC: it belongs to November.
    sessions = [
        (await facilitator.client.post(url, json=body)).json()["sessions"][0]["id"]
        for body in (
            {"starts_at": "2025-11-01T00:30:00", "duration_minutes": 60, "curriculum_step": "M1.1"},
            {"starts_at": "2025-11-15T10:00:00", "duration_minutes": 60, "topic": "Tabungan"},
            {"starts_at": "2025-11-22T10:00:00", "duration_minutes": 60},
            {"starts_at": "2025-11-29T10:00:00", "duration_minutes": 60},
            {"starts_at": "2025-12-01T10:00:00", "duration_minutes": 60},
        )
    ]
    ani, budi, citra, dewi = (p["id"] for p in people)
    rolls = {
        sessions[0]: [
            {"member_id": ani, "status": "present"},
            {"member_id": budi, "status": "late"},
            {"member_id": citra, "status": "excused", "reason": "sick"},
        ],  # Dewi has no record: absent
        sessions[1]: [
            {"member_id": ani, "status": "present"},
            {"member_id": budi, "status": "excused", "reason": "permission"},
            {"member_id": citra, "status": "excused"},
            {"member_id": dewi, "status": "absent"},
        ],
        sessions[4]: [{"member_id": dewi, "status": "present"}],  # December
    }
    for session_id, records in rolls.items():
        saved = await facilitator.client.put(
            f"/api/v1/sessions/{session_id}/attendance", json={"records": records}
        )
        assert saved.status_code == 200, saved.text
    cancelled = await facilitator.client.patch(
        f"/api/v1/sessions/{sessions[3]}", json={"status": "cancelled", "cancel_reason": "Banjir"}
    )
    assert cancelled.status_code == 200
    return group, sessions, people


async def test_the_month_report_against_hand_counted_figures(facilitator, month):
    group, sessions, people = month
    response = await facilitator.client.get(f"/api/v1/groups/{group['id']}/months/2025-11")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["month"] == "2025-11" and report["group_name"] == "Kelompok Mawar"
    assert [s["session_id"] for s in report["sessions"]] == sessions[:4]
    first = report["sessions"][0]
    assert first["starts_at"] == "2025-11-01T00:30:00+07:00"
    assert first["curriculum_step"] == "M1.1" and first["held"] is True
    assert {k: first["counts"][k] for k in ("present", "late", "excused", "absent")} == {
        "present": 1,
        "late": 1,
        "excused": 1,
        "absent": 1,
    }
    assert first["counts"]["reasons"] == {"sick": 1, "permission": 0, "other": 0, "unspecified": 0}
    awaiting = report["sessions"][2]
    assert awaiting["held"] is False and awaiting["counts"]["present"] == 0
    assert report["sessions"][3]["status"] == "cancelled"
    assert report["sessions_planned"] == 3 and report["sessions_held"] == 2
    totals = report["totals"]
    assert (totals["present"], totals["late"], totals["excused"], totals["absent"]) == (2, 1, 3, 2)
    assert totals["reasons"] == {"sick": 1, "permission": 1, "other": 0, "unspecified": 1}
    assert report["members_attending"] == 2  # Ani and Budi
    assert report["leader"] == {"id": people[1]["id"], "display_name": "Budi"}
    assert [f["id"] for f in report["facilitators"]] == [facilitator.id]
    assert report["steps_taught"] == ["M1.1"]

    december = await facilitator.client.get(f"/api/v1/groups/{group['id']}/months/2025-12")
    assert december.json()["sessions_held"] == 1 and december.json()["members_attending"] == 1


@pytest.mark.parametrize(
    ("month", "status"),
    [("2025-13", 400), ("2025-1", 400), ("november", 400), ("0000-01", 422), ("9999-12", 422)],
)
async def test_a_bad_month_is_refused_naming_it(facilitator, new_group, month, status):
    group = await new_group()
    response = await facilitator.client.get(f"/api/v1/groups/{group['id']}/months/{month}")
    assert response.status_code == status, response.text
    assert response.json()["field"] == "month"
