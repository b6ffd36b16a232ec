"""The schedule on the group page, the dashboard and the member's page (no JavaScript)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.scheduling.tables import Session
from backend.web.schedule_pages import series_rule


def form_headers(actor):
    return {"x-csrftoken": actor.client.cookies.get("csrftoken", "")}


def next_weekday(weekday: int, weeks_ahead: int = 1) -> str:
    today = datetime.now(UTC).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)
    return day.isoformat()


@pytest.mark.parametrize(
    ("repeat", "day", "rule"),
    [
        ("weekly", "2026-03-12", "FREQ=WEEKLY;COUNT=4"),
        ("fortnightly", "2026-03-12", "FREQ=WEEKLY;INTERVAL=2;COUNT=4"),
        ("monthly", "2026-03-03", "FREQ=MONTHLY;BYDAY=1TU;COUNT=4"),
        ("monthly", "2026-03-12", "FREQ=MONTHLY;BYDAY=2TH;COUNT=4"),
        ("monthly", "2026-03-31", "FREQ=MONTHLY;BYDAY=-1TU;COUNT=4"),
        ("none", "2026-03-12", None),
    ],
)
def test_repeat_choices_become_rrules(repeat, day, rule):
    from datetime import date

    assert series_rule(repeat, date.fromisoformat(day), 4) == rule


async def test_group_page_schedules_a_series_and_shows_clashes(facilitator, new_group, make_actor):
    group = await new_group(timezone="Asia/Jakarta", location="Hall")
    other = await new_group(timezone="Asia/Jakarta", location="Annex")
    day = next_weekday(3)
    form = {
        "date": day,
        "time": "18:00",
        "duration": "90",
        "repeat": "weekly",
        "count": "4",
        "topic": "Sharing circle",
        "guide": "mutual-aid-circle",
    }
    page = await facilitator.client.post(
        f"/groups/{group['id']}/sessions", data=form, headers=form_headers(facilitator)
    )
    assert page.status_code == 303, page.text
    assert page.headers["location"] == f"/groups/{group['id']}#upcoming"
    page = await facilitator.client.get(page.headers["location"])
    assert "Scheduled 4 sessions." in page.text
    assert page.text.count('class="session') >= 4
    assert "/guides/guides/mutual-aid-circle/" in page.text
    assert await Session.count().where(Session.group == group["id"]) == 4

    clash = await facilitator.client.post(
        f"/groups/{other['id']}/sessions",
        data={**form, "time": "19:00", "count": "2", "guide": ""},
        headers=form_headers(facilitator),
    )
    assert clash.status_code == 409
    assert 'id="schedule-clashes"' in clash.text
    assert clash.text.count("a facilitator of this group is already in session") == 2
    assert f'value="{day}"' in clash.text  # the form keeps what was typed
    assert await Session.count().where(Session.group == other["id"]) == 0

    skipped = await facilitator.client.post(
        f"/groups/{other['id']}/sessions",
        data={
            **form,
            "time": "19:00",
            "count": "2",
            "repeat": "fortnightly",
            "skip_clashes": "1",
            "guide": "",
        },
        headers=form_headers(facilitator),
    )
    assert skipped.status_code == 303
    skipped = await facilitator.client.get(skipped.headers["location"])
    assert "Skipped because they clash" in skipped.text
    bad = await facilitator.client.post(
        f"/groups/{group['id']}/sessions",
        data={**form, "date": ""},
        headers=form_headers(facilitator),
    )
    assert bad.status_code == 422 and "Choose a date and a time." in bad.text


async def test_cancel_reschedule_and_reinstate_from_the_group_page(facilitator, new_group):
    group = await new_group(timezone="Europe/Berlin")
    day = next_weekday(0)
    await facilitator.client.post(
        f"/groups/{group['id']}/sessions",
        data={"date": day, "time": "10:00", "duration": "60", "repeat": "weekly", "count": "3"},
        headers=form_headers(facilitator),
    )
    ids = [r["id"] for r in await Session.select(Session.id).order_by(Session.starts_at)]
    no_reason = await facilitator.client.post(
        f"/groups/{group['id']}/sessions/{ids[0]}/cancel",
        data={"cancel_reason": ""},
        headers=form_headers(facilitator),
    )
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    cancelled = await facilitator.client.post(
        f"/groups/{group['id']}/sessions/{ids[0]}/cancel",
        data={"cancel_reason": "Public holiday", "scope": "this"},
        headers=form_headers(facilitator),
    )
    assert cancelled.status_code == 303
    cancelled = await facilitator.client.get(cancelled.headers["location"])
    assert "Cancelled" in cancelled.text and "Reason: Public holiday" in cancelled.text
    moved = await facilitator.client.post(
        f"/groups/{group['id']}/sessions/{ids[1]}/reschedule",
        data={"date": day, "time": "10:30", "scope": "following"},
        headers=form_headers(facilitator),
    )
    assert moved.status_code == 303, moved.text
    rows = await Session.select(Session.status, Session.starts_at).order_by(Session.id)
    assert rows[0]["status"] == "cancelled"
    assert [r["starts_at"].astimezone().minute for r in rows[1:]] == [30, 30]
    # The second session now starts in the cancelled one's slot: reinstating it clashes.
    clash = await facilitator.client.post(
        f"/groups/{group['id']}/sessions/{ids[0]}/reinstate",
        data={},
        headers=form_headers(facilitator),
    )
    assert clash.status_code == 409
    assert 'id="schedule-clashes"' in clash.text
    # A session of another group cannot be changed through this group's page.
    other = await new_group()
    wrong = await facilitator.client.post(
        f"/groups/{other['id']}/sessions/{ids[2]}/cancel",
        data={"cancel_reason": "x"},
        headers=form_headers(facilitator),
    )
    assert wrong.status_code == 404


async def test_member_page_lists_sessions_and_the_calendar_link(
    member_actor, new_group, enrol, facilitator, admin
):
    member, record = await member_actor()
    group = await new_group(name="Evening circle")
    await enrol(group["id"], record["id"])
    start = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:00:00Z")
    response = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={"starts_at": start, "duration_minutes": 60, "topic": "Planning together"},
    )
    assert response.status_code == 201
    page = await member.client.get("/my")
    assert page.status_code == 200
    assert "Evening circle" in page.text and "Planning together" in page.text
    assert 'href="/my/calendar-link' in page.text
    link_page = await member.client.get("/my/calendar-link")
    assert link_page.status_code == 200
    api_url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    assert f'value="{api_url}"' in link_page.text
    reset = await member.client.post(
        "/my/calendar-link/reset", data={}, headers=form_headers(member)
    )
    assert reset.status_code == 303
    reset = await member.client.get(reset.headers["location"])
    new_url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    assert new_url != api_url and f'value="{new_url}"' in reset.text
    dashboard = await facilitator.client.get("/dashboard")
    assert "Next sessions" in dashboard.text and "Evening circle" in dashboard.text
    assert (await admin.client.get("/my/calendar-link")).status_code == 403
