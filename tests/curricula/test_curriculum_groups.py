"""A group follows a curriculum: its sessions teach the steps in order (a series takes the next
ones), a step taught out of order is flagged, and progress shows each member's steps."""

from __future__ import annotations

import pytest

STEPS = [
    {"code": "S1", "title": "Why we are here", "module": "Beginning"},
    {"code": "S2", "title": "Parts of a problem", "module": "Beginning"},
    {"code": "S3", "title": "Saying what I need", "module": "Skills"},
    {"code": "S4", "title": "Asking for support", "module": "Skills"},
]
PAST = "2025-03-03T10:00:00"


@pytest.fixture
async def curriculum(admin) -> dict:
    made = await admin.client.post(
        "/api/v1/curricula", json={"name": "Skills", "language": "en", "steps": STEPS}
    )
    assert made.status_code == 201, made.text
    return made.json()


@pytest.fixture
async def group(new_group, curriculum) -> dict:
    return await new_group(curriculum_id=curriculum["id"])


async def test_a_group_follows_a_curriculum_and_a_series_takes_its_steps_in_order(
    facilitator, group, curriculum
):
    assert group["curriculum_id"] == curriculum["id"]
    series = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={"first_starts_at": PAST, "duration_minutes": 60, "rrule": "FREQ=WEEKLY;COUNT=3"},
    )
    assert series.status_code == 201, series.text
    made = series.json()["sessions"]
    assert [(s["curriculum_step"], s["step_title"]) for s in made] == [
        ("S1", "Why we are here"),
        ("S2", "Parts of a problem"),
        ("S3", "Saying what I need"),
    ]
    # The next series continues where the plan stopped; steps run out, sessions go on.
    more = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={
            "first_starts_at": "2025-04-07T10:00:00",
            "duration_minutes": 60,
            "rrule": "FREQ=WEEKLY;COUNT=2",
        },
    )
    assert [s["curriculum_step"] for s in more.json()["sessions"]] == ["S4", None]
    listed = await facilitator.client.get(f"/api/v1/sessions?group={group['id']}")
    assert [s["curriculum_step"] for s in listed.json()["items"]] == ["S1", "S2", "S3", "S4", None]
    assert not any(s["step_out_of_order"] for s in listed.json()["items"])


async def test_a_step_taught_out_of_order_is_allowed_and_flagged(facilitator, group):
    url = f"/api/v1/groups/{group['id']}/sessions"
    first = await facilitator.client.post(
        url, json={"starts_at": PAST, "duration_minutes": 60, "curriculum_step": "S3"}
    )
    assert first.status_code == 201 and first.json()["sessions"][0]["curriculum_step"] == "S3"
    later = await facilitator.client.post(
        url,
        json={"starts_at": "2025-03-10T10:00:00", "duration_minutes": 60, "curriculum_step": "S1"},
    )
    made = later.json()["sessions"][0]
    assert made["curriculum_step"] == "S1" and made["step_out_of_order"] is True
    one = await facilitator.client.get(f"/api/v1/sessions/{made['id']}")
    assert one.json()["step_out_of_order"] is True
    # Cancelling the session that taught the later step puts the order right again.
    cancelled = await facilitator.client.patch(
        f"/api/v1/sessions/{first.json()['sessions'][0]['id']}",
        json={"status": "cancelled", "cancel_reason": "Rain"},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (await facilitator.client.get(f"/api/v1/sessions/{made['id']}")).json()[
        "step_out_of_order"
    ] is False


async def test_the_step_of_a_session_changes_or_clears_and_bad_steps_are_refused(
    facilitator, group, new_group
):
    made = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={"starts_at": PAST, "duration_minutes": 60},
    )
    session = made.json()["sessions"][0]
    assert session["curriculum_step"] is None  # a one-off session takes a step only if asked
    url = f"/api/v1/sessions/{session['id']}"
    changed = await facilitator.client.patch(url, json={"curriculum_step": "S2"})
    assert changed.status_code == 200 and changed.json()["curriculum_step"] == "S2"
    unknown = await facilitator.client.patch(url, json={"curriculum_step": "S9"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_step" and unknown.json()["field"] == "curriculum_step"
    following = await facilitator.client.patch(
        url, json={"curriculum_step": "S1", "scope": "following"}
    )
    assert following.status_code == 422 and following.json()["field"] == "curriculum_step"
    assert (await facilitator.client.get(url)).json()["curriculum_step"] == "S2"
    cleared = await facilitator.client.patch(url, json={"curriculum_step": None})
    assert cleared.json()["curriculum_step"] is None

    plain = await new_group(name="No curriculum")
    refused = await facilitator.client.post(
        f"/api/v1/groups/{plain['id']}/sessions",
        json={"starts_at": PAST, "duration_minutes": 60, "curriculum_step": "S1"},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "no_curriculum"
    listed = await facilitator.client.get(f"/api/v1/sessions?group={plain['id']}")
    assert listed.json()["total"] == 0


async def test_a_group_changes_curriculum_only_while_no_session_teaches_a_step(
    facilitator, admin, group
):
    other = await admin.client.post(
        "/api/v1/curricula",
        json={"name": "Other", "language": "en", "steps": [{"code": "A", "title": "A"}]},
    )
    url = f"/api/v1/groups/{group['id']}"
    unknown = await facilitator.client.patch(url, json={"curriculum_id": 4242})
    assert unknown.status_code == 422 and unknown.json()["field"] == "curriculum_id"
    await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={"starts_at": PAST, "duration_minutes": 60, "curriculum_step": "S1"},
    )
    in_use = await facilitator.client.patch(url, json={"curriculum_id": other.json()["id"]})
    assert in_use.status_code == 409 and in_use.json()["code"] == "curriculum_in_use"
    assert (await facilitator.client.get(url)).json()["curriculum_id"] == group["curriculum_id"]


async def test_progress_lists_each_members_steps_attended_and_missing(
    facilitator, group, new_member, enrol
):
    ani = await new_member("Ani")
    budi = await new_member("Budi")
    for person in (ani, budi):
        await enrol(group["id"], person["id"], joined_on="2025-01-01")
    series = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={"first_starts_at": PAST, "duration_minutes": 60, "rrule": "FREQ=WEEKLY;COUNT=3"},
    )
    s1, s2, s3 = (s["id"] for s in series.json()["sessions"])
    rolls = {
        s1: {ani["id"]: "present", budi["id"]: "late"},
        s2: {ani["id"]: "absent", budi["id"]: "present"},
        s3: {ani["id"]: "excused", budi["id"]: "absent"},
    }
    for session_id, statuses in rolls.items():
        saved = await facilitator.client.put(
            f"/api/v1/sessions/{session_id}/attendance",
            json={"records": [{"member_id": m, "status": st} for m, st in statuses.items()]},
        )
        assert saved.status_code == 200, saved.text
    progress = await facilitator.client.get(f"/api/v1/groups/{group['id']}/progress")
    assert progress.status_code == 200
    body = progress.json()
    assert [s["code"] for s in body["steps"]] == ["S1", "S2", "S3", "S4"]
    by_name = {m["display_name"]: m for m in body["members"]}
    assert by_name["Ani"]["completed"] == ["S1"]
    assert by_name["Ani"]["missing"] == ["S2", "S3", "S4"]
    assert by_name["Budi"]["completed"] == ["S1", "S2"]
    assert by_name["Budi"]["missing"] == ["S3", "S4"]


async def test_progress_of_a_group_without_curriculum_is_empty_and_guarded(
    facilitator, make_actor, new_group
):
    plain = await new_group(name="No curriculum")
    body = (await facilitator.client.get(f"/api/v1/groups/{plain['id']}/progress")).json()
    assert body == {"group_id": plain["id"], "curriculum_id": None, "steps": [], "members": []}
    outsider = await make_actor("facilitator")
    refused = await outsider.client.get(f"/api/v1/groups/{plain['id']}/progress")
    assert refused.status_code in (403, 404)
