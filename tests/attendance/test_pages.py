from __future__ import annotations

from backend.accounts.schemas import CurrentUser
from backend.attendance.demo import add_demo_rolls
from backend.groups.schemas import GroupRead
from tests.attendance.conftest import days_ago


def form_headers(actor):
    return {"x-csrftoken": actor.client.cookies.get("csrftoken", "")}


async def test_roll_page_saves_shows_values_and_inline_errors(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    group = await new_group()
    ani, ani_record = await member_actor("Ani")
    _, budi_record = await member_actor("Budi")
    for record in (ani_record, budi_record):
        await enrol(group["id"], record["id"], joined_on=days_ago(30).date().isoformat())
    (sid,) = await make_sessions(group["id"], [days_ago(2)])
    dashboard = await facilitator.client.get("/dashboard")
    assert f"/sessions/{sid}/roll" in dashboard.text
    group_page = await facilitator.client.get(f"/groups/{group['id']}/rolls")
    assert f"/sessions/{sid}/roll" in group_page.text
    assert f"/groups/{group['id']}/report" in group_page.text
    page = await facilitator.client.get(f"/sessions/{sid}/roll")
    assert page.status_code == 200
    assert f'name="status-{ani_record["id"]}"' in page.text
    assert "social-change" not in page.text  # only the group's purposes are offered
    a, b = ani_record["id"], budi_record["id"]
    bad = await facilitator.client.post(
        f"/sessions/{sid}/roll",
        data={f"status-{a}": "present", f"status-{b}": "absent", f"purposes-{b}": "mutual-aid"},
        headers=form_headers(facilitator),
    )
    assert bad.status_code == 422
    assert "Nothing was saved" in bad.text and 'class="field-error"' in bad.text
    assert f'id="error-{b}"' in bad.text
    good = await facilitator.client.post(
        f"/sessions/{sid}/roll",
        data={
            f"status-{a}": "present",
            f"participation-{a}": "contributed",
            f"purposes-{a}": ["mutual-aid", "reduce-isolation"],
            f"note-{a}": "Brought a friend",
            f"status-{b}": "absent",
        },
        headers=form_headers(facilitator),
    )
    # Post/redirect/get: back to the roll, at the saved roll, with the message.
    assert good.status_code == 303, good.text
    assert good.headers["location"] == f"/sessions/{sid}/roll#saved-roll"
    good = await facilitator.client.get(good.headers["location"])
    assert "Roll saved: 1 present, 1 absent" in good.text
    assert 'value="present" checked' in good.text and "Brought a friend" in good.text
    roll = (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).json()
    assert [(r["member_id"], r["status"]) for r in roll["records"]] == [
        (a, "present"),
        (b, "absent"),
    ]
    report = await facilitator.client.get(f"/groups/{group['id']}/report")
    assert report.status_code == 200
    assert "<svg" in report.text and "Attendance rate per held session" in report.text
    assert "50%" in report.text and "attendance.csv" in report.text
    mine = await ani.client.get("/my")
    assert "100%" in mine.text and "Brought a friend" not in mine.text
    assert "Present" in mine.text


async def test_demo_rolls_take_every_past_roll(
    facilitator, new_group, new_member, enrol, make_sessions
):
    group = await new_group(capacity=12)
    for n in range(10):
        member = await new_member(f"Demo {n}")
        await enrol(group["id"], member["id"], joined_on=days_ago(90).date().isoformat())
    await make_sessions(group["id"], [days_ago(7 * k) for k in range(1, 9)])
    await make_sessions(group["id"], [days_ago(-7)])
    owner = facilitator.user
    actor = CurrentUser(
        id=owner.id, email=owner.email, display_name=owner.display_name, role="facilitator"
    )
    taken = await add_demo_rolls([(GroupRead(**group), actor)])
    assert taken == 8
    report = (await facilitator.client.get(f"/api/v1/groups/{group['id']}/report")).json()
    assert report["held_sessions"] == 8 and report["awaiting_roll_call"] == 0
    assert sum(s["present"] for s in report["sessions"]) > 0
    assert sum(s["absent"] for s in report["sessions"]) > 0
    assert report["follow_up"]
