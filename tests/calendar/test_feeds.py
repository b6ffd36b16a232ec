"""Calendar feeds: the group feed, a member's private feed by token, revocation and privacy."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlparse

import pytest
import recurring_ical_events
from icalendar import Calendar

from backend.groups.tables import Group
from backend.scheduling.tables import CalendarToken, Session
from tests.scheduling.conftest import problem

BERLIN = {"timezone": "Europe/Berlin"}
WIDE = ((2000, 1, 1), (2100, 1, 1))


def parse(response) -> Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list:
    found = recurring_ical_events.of(calendar).between(*WIDE)
    return sorted(found, key=lambda e: e.decoded("dtstart"))


def path_of(url: str) -> str:
    return urlparse(url).path


@pytest.fixture
async def berlin_series(new_group, enrol, member_actor, weekly):
    """A Berlin group with a weekly series of 8 and a member with a login enrolled."""
    group = await new_group(**BERLIN, name="Thursday circle", location="Community hall")
    sessions = await weekly(
        group["id"], "2026-03-12T18:00:00", count=8, duration=120, topic="Sharing"
    )
    member, record = await member_actor("Siti Rahma")
    await enrol(group["id"], record["id"], joined_on="2026-01-05")
    return group, sessions, member, record


async def test_cancelled_occurrence_in_the_member_feed(berlin_series, facilitator):
    _, sessions, member, _ = berlin_series
    link = await member.client.get("/api/v1/me/calendar-link")
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    assert url.startswith("http://testserver.local/api/v1/calendar/") and url.endswith(".ics")

    before = {
        str(e["uid"]): int(e["sequence"])
        for e in events(parse(await member.client.get(path_of(url))))
    }
    third = sessions[2]
    cancelled = await facilitator.client.patch(
        f"/api/v1/sessions/{third['id']}",
        json={"status": "cancelled", "cancel_reason": "Public holiday"},
    )
    assert cancelled.status_code == 200

    # The feed needs no login: a calendar app fetches it with the URL alone.
    from tests.conftest import http_client

    async with http_client(member.client._transport.app) as anonymous:  # type: ignore[attr-defined]
        calendar = parse(await anonymous.get(path_of(url)))
    found = events(calendar)
    assert len(found) == 8
    statuses = [str(e["status"]) for e in found]
    assert statuses.count("CONFIRMED") == 7
    assert statuses[2] == "CANCELLED"
    uid = f"session-{third['id']}@lingkar"
    assert str(found[2]["uid"]) == uid
    assert int(found[2]["sequence"]) > before[uid]
    assert all(int(e["sequence"]) == before[str(e["uid"])] for e in found if str(e["uid"]) != uid)
    # Times in the group's zone, with its VTIMEZONE.
    starts = [e.decoded("dtstart") for e in found]
    assert all(str(s.tzinfo) == "Europe/Berlin" and s.hour == 18 for s in starts)
    assert [s.astimezone(UTC).hour for s in starts] == [17] * 3 + [16] * 5
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(found[0]["summary"]) == "Thursday circle: Sharing"
    assert str(found[0]["location"]) == "Community hall"
    assert "DTSTAMP" in found[0]


async def test_feeds_carry_no_member_names_and_no_notes(berlin_series, facilitator):
    group, _, member, _ = berlin_series
    url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    member_feed = (await member.client.get(path_of(url))).content
    group_feed = await facilitator.client.get(f"/api/v1/groups/{group['id']}/calendar.ics")
    for body in (member_feed, group_feed.content):
        assert b"Siti" not in body and b"Rahma" not in body
        assert b"note" not in body.lower()
        assert b"ATTENDEE" not in body


async def test_the_link_is_stable_until_revoked(berlin_series):
    _, _, member, record = berlin_series
    first = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    assert (await member.client.get("/api/v1/me/calendar-link")).json()["url"] == first
    token = path_of(first).rsplit("/", 1)[1].removesuffix(".ics")
    stored = await CalendarToken.select().where(CalendarToken.member == record["id"])
    assert len(stored) == 1 and token not in str(stored)  # only its hash is kept

    revoked = await member.client.delete("/api/v1/me/calendar-link")
    assert revoked.status_code == 204
    problem(await member.client.get(path_of(first)), 404)
    second = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    assert second != first
    assert (await member.client.get(path_of(second))).status_code == 200
    problem(await member.client.get(path_of(first)), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/calendar/not-a-real-token.ics",
        "/api/v1/calendar/" + "A" * 43 + ".ics",
        "/api/v1/calendar/.ics",
        "/api/v1/calendar/short.ics",
    ],
)
async def test_unknown_tokens_are_404(client, path):
    problem(await client.get(path), 404)


async def test_a_token_without_ics_is_404(berlin_series):
    _, _, member, _ = berlin_series
    url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    problem(await member.client.get(path_of(url).removesuffix(".ics")), 404)


async def test_member_feed_holds_only_their_groups(
    berlin_series, new_group, weekly, member_actor, enrol
):
    group, _, member, _ = berlin_series
    other_group = await new_group(**BERLIN, name="Other circle", location="Annex")
    await weekly(other_group["id"], "2026-03-13T10:00:00", count=3)
    other_member, other_record = await member_actor()
    await enrol(other_group["id"], other_record["id"], joined_on="2026-01-05")

    mine = events(
        parse(
            await member.client.get(
                path_of((await member.client.get("/api/v1/me/calendar-link")).json()["url"])
            )
        )
    )
    assert len(mine) == 8 and all("Thursday circle" in str(e["summary"]) for e in mine)
    theirs = events(
        parse(
            await other_member.client.get(
                path_of((await other_member.client.get("/api/v1/me/calendar-link")).json()["url"])
            )
        )
    )
    assert len(theirs) == 3 and all("Other circle" in str(e["summary"]) for e in theirs)
    # A member cannot read a group feed, theirs or another's, nor its sessions.
    for group_id in (group["id"], other_group["id"]):
        response = await member.client.get(f"/api/v1/groups/{group_id}/calendar.ics")
        assert response.status_code == 403
        response = await member.client.get("/api/v1/sessions", params={"group": group_id})
        assert response.status_code == 403


async def test_member_without_groups_gets_an_empty_feed(member_actor):
    member, _ = await member_actor()
    url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    calendar = parse(await member.client.get(path_of(url)))
    assert events(calendar) == []


async def test_staff_have_no_calendar_link(facilitator, admin):
    for actor in (facilitator, admin):
        assert (await actor.client.get("/api/v1/me/calendar-link")).status_code == 403


async def test_group_feed_for_its_facilitators_and_admins(
    make_actor, new_group, schedule, facilitator, admin
):
    group = await new_group(timezone="Asia/Jakarta", name="Jakarta group", location="Hall")
    response = await schedule(
        group["id"],
        first_starts_at="2026-03-03T10:00:00",
        duration_minutes=60,
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=3",
        guide="mutual-aid-circle",
    )
    assert response.status_code == 201
    for actor in (facilitator, admin):
        calendar = parse(await actor.client.get(f"/api/v1/groups/{group['id']}/calendar.ics"))
        found = events(calendar)
        assert [e.decoded("dtstart").astimezone(UTC) for e in found] == [
            datetime(2026, 3, 3, 3, tzinfo=UTC),
            datetime(2026, 4, 7, 3, tzinfo=UTC),
            datetime(2026, 5, 5, 3, tzinfo=UTC),
        ]
        assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]
        assert "/guides/guides/mutual-aid-circle/" in str(found[0]["description"])
    outsider = await make_actor("facilitator")
    problem(await outsider.client.get(f"/api/v1/groups/{group['id']}/calendar.ics"), 404)
    problem(await facilitator.client.get("/api/v1/groups/999999/calendar.ics"), 404)


async def test_a_feed_with_two_zones_has_two_vtimezones(
    make_actor, new_group, enrol, member_actor, schedule
):
    member, record = await member_actor()
    berlin = await new_group(**BERLIN)
    new_york = await new_group(timezone="America/New_York")
    for group, start in ((berlin, "2026-03-12T18:00:00"), (new_york, "2026-03-12T18:00:00")):
        await enrol(group["id"], record["id"], joined_on="2026-01-05")
        assert (
            await schedule(group["id"], starts_at=start, duration_minutes=60)
        ).status_code == 201
    url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    calendar = parse(await member.client.get(path_of(url)))
    assert sorted(tz["tzid"] for tz in calendar.walk("VTIMEZONE")) == [
        "America/New_York",
        "Europe/Berlin",
    ]
    assert sorted(e.decoded("dtstart").hour for e in events(calendar)) == [18, 18]


# What input validation will refuse, but a database may already hold.
BROKEN_NAME = "Line one\nLine two\r\nLine three\rend\x0b"


async def test_feeds_render_line_breaks_and_control_characters_from_the_database(
    berlin_series, facilitator
):
    group, sessions, member, _ = berlin_series
    await Group.raw("UPDATE work_group SET name = {} WHERE id = {}", BROKEN_NAME, group["id"])
    await Session.raw(
        "UPDATE group_session SET topic = {}, location = {} WHERE id = {}",
        "Topic\nsecond line",
        "Hall A\r\nRoom 2",
        sessions[0]["id"],
    )
    await Session.raw(
        "UPDATE group_session SET status = 'cancelled', cancel_reason = {} WHERE id = {}",
        "Flood\nroads\x1bclosed",
        sessions[1]["id"],
    )
    url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    group_feed = await facilitator.client.get(f"/api/v1/groups/{group['id']}/calendar.ics")
    member_feed = await member.client.get(path_of(url))
    for response in (group_feed, member_feed):
        # Every content line is one line: no bare CR or LF, no other control character.
        for line in response.content.split(b"\r\n"):
            assert not any(byte < 0x20 and byte != 0x09 for byte in line), line
        found = events(parse(response))
        assert len(found) == 8
        first, second = found[0], found[1]
        assert str(first["summary"]) == "Line one\nLine two\nLine three\nend : Topic\nsecond line"
        assert str(first["location"]) == "Hall A\nRoom 2"
        assert str(second["status"]) == "CANCELLED"
        assert str(second["description"]) == "Cancelled: Flood\nroads closed"
        assert str(found[2]["summary"]) == "Line one\nLine two\nLine three\nend : Sharing"
    assert str(parse(group_feed)["x-wr-calname"]) == "Line one Line two Line three end "


async def test_a_feed_has_one_referrer_policy_and_it_is_no_referrer(berlin_series, facilitator):
    group, _, member, _ = berlin_series
    url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    group_feed = await facilitator.client.get(f"/api/v1/groups/{group['id']}/calendar.ics")
    member_feed = await member.client.get(path_of(url))
    for response in (group_feed, member_feed):
        assert response.status_code == 200
        assert response.headers.get_list("referrer-policy") == ["no-referrer"]
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    # Every other response keeps the default policy, once.
    purposes = await member.client.get("/api/v1/purposes")
    assert purposes.headers.get_list("referrer-policy") == ["same-origin"]


async def test_feeds_send_one_referrer_policy(berlin_series, facilitator):
    group, _, member, _ = berlin_series
    url = (await member.client.get("/api/v1/me/calendar-link")).json()["url"]
    for response in (
        await member.client.get(path_of(url)),
        await facilitator.client.get(f"/api/v1/groups/{group['id']}/calendar.ics"),
    ):
        assert response.status_code == 200
        assert response.headers.get_list("referrer-policy") == ["no-referrer"]
