"""Calendar feeds carry display alarms (VALARM) before each session that is not cancelled,
at the deployment's offsets; the member's link offers a webcal:// subscription too."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from icalendar import Calendar

from backend.calendar.service import build_calendar
from backend.scheduling import service as scheduling
from backend.settings import ConfigurationError, parse_offsets


def _alarms(calendar: Calendar) -> dict[str, list[timedelta]]:
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["uid"])] = sorted(
            (a.decoded("trigger") for a in event.walk("VALARM")), reverse=False
        )
    return found


async def test_member_and_group_feeds_have_alarms_a_day_and_an_hour_before(
    new_group, enrol, member_actor, weekly, facilitator
):
    group = await new_group(name="Thursday circle")
    sessions = await weekly(group["id"], "2031-03-13T18:00:00", count=3, duration=90)
    member, record = await member_actor("Siti Rahma")
    await enrol(group["id"], record["id"], joined_on="2026-01-05")
    cancelled = await facilitator.client.patch(
        f"/api/v1/sessions/{sessions[1]['id']}",
        json={"status": "cancelled", "cancel_reason": "Holiday"},
    )
    assert cancelled.status_code == 200, cancelled.text

    link = (await member.client.get("/api/v1/me/calendar-link")).json()
    assert link["webcal_url"] == "webcal://" + link["url"].removeprefix("http://")
    feed = Calendar.from_ical((await member.client.get(urlparse(link["url"]).path)).content)
    alarms = _alarms(feed)
    day_and_hour = [-timedelta(days=1), -timedelta(hours=1)]
    assert alarms[f"session-{sessions[0]['id']}@lingkar"] == day_and_hour
    assert alarms[f"session-{sessions[2]['id']}@lingkar"] == day_and_hour
    assert alarms[f"session-{sessions[1]['id']}@lingkar"] == []  # cancelled: no reminder
    for alarm in feed.walk("VALARM"):
        assert str(alarm["action"]) == "DISPLAY" and "Thursday circle" in str(alarm["description"])
    group_feed = Calendar.from_ical(
        (await facilitator.client.get(f"/api/v1/groups/{group['id']}/calendar.ics")).content
    )
    assert _alarms(group_feed)[f"session-{sessions[0]['id']}@lingkar"] == day_and_hour

    page = await member.client.get("/my/calendar-link")
    assert f'href="{link["webcal_url"]}"' in page.text


async def test_offsets_are_configurable(new_group, facilitator, weekly):
    group = await new_group()
    sessions = await weekly(group["id"], "2031-03-13T18:00:00", count=1, duration=90)
    user = facilitator.user
    _group, rows = await scheduling.group_feed_rows(user, group["id"])
    feed = build_calendar("G", "g@lingkar", rows, "", parse_offsets("30m"))
    alarms = _alarms(Calendar.from_ical(feed))
    assert alarms[f"session-{sessions[0]['id']}@lingkar"] == [-timedelta(minutes=30)]
    none = _alarms(Calendar.from_ical(build_calendar("G", "g@lingkar", rows, "", ())))
    assert none[f"session-{sessions[0]['id']}@lingkar"] == []


def test_offsets_are_parsed_and_refused_in_words():
    assert parse_offsets("1d,1h") == (1440, 60)
    assert parse_offsets("60, 2h ,1d") == (1440, 120, 60)
    assert parse_offsets("off") == ()
    for bad in ("soon", "0m", "31d", "1w", ","):
        with pytest.raises(ConfigurationError, match="LINGKAR_REMINDER_OFFSETS"):
            parse_offsets(bad)
