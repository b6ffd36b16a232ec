"""Scheduling through the API: series, clashes, rescheduling, cancelling, lists and access."""

from __future__ import annotations

import asyncio

import pytest

from backend.scheduling.tables import Session
from tests.scheduling.conftest import local_clock, problem, utc

BERLIN = {"timezone": "Europe/Berlin"}


async def test_weekly_series_of_eight_stays_at_18_local_across_dst(new_group, schedule):
    group = await new_group(**BERLIN, location="Community hall")
    response = await schedule(
        group["id"],
        first_starts_at="2026-03-12T18:00:00",
        duration_minutes=120,
        rrule="FREQ=WEEKLY;COUNT=8",
        topic="Sharing circle",
        guide="mutual-aid-circle",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["skipped"] == []
    sessions = body["sessions"]
    assert len(sessions) == 8
    assert [local_clock(s["starts_at"]) for s in sessions] == ["18:00"] * 8
    assert [local_clock(s["ends_at"]) for s in sessions] == ["20:00"] * 8
    assert [utc(s["starts_at"]).strftime("%H:%MZ") for s in sessions] == (
        ["17:00Z"] * 3 + ["16:00Z"] * 5
    )
    assert sessions[0]["starts_at"] == "2026-03-12T18:00:00+01:00"
    assert sessions[3]["starts_at"] == "2026-04-02T18:00:00+02:00"
    first = sessions[0]
    assert first["group_id"] == group["id"] and first["series_id"] is not None
    assert len({s["series_id"] for s in sessions}) == 1
    assert first["status"] == "scheduled"
    assert first["location"] == "Community hall"  # the group's, by default
    assert first["topic"] == "Sharing circle" and first["guide"] == "mutual-aid-circle"
    rows = await Session.select(Session.starts_at).where(Session.group == group["id"])
    assert sorted(r["starts_at"] for r in rows) == [utc(s["starts_at"]) for s in sessions]


async def test_one_session_with_duration_or_end_and_offsets(new_group, schedule, facilitator):
    group = await new_group(timezone="Asia/Jakarta", location="Hall")
    one = await schedule(group["id"], starts_at="2026-05-04T09:00:00", duration_minutes=90)
    assert one.status_code == 201, one.text
    session = one.json()["sessions"][0]
    assert session["starts_at"] == "2026-05-04T09:00:00+07:00"
    assert session["ends_at"] == "2026-05-04T10:30:00+07:00"
    assert session["series_id"] is None
    # An explicit offset is honoured and shown in the group's zone.
    other = await schedule(
        group["id"], starts_at="2026-05-05T02:00:00Z", ends_at="2026-05-05T04:00:00Z"
    )
    assert other.status_code == 201, other.text
    assert other.json()["sessions"][0]["starts_at"] == "2026-05-05T09:00:00+07:00"
    got = await facilitator.client.get(f"/api/v1/sessions/{session['id']}")
    assert got.status_code == 200
    assert got.json()["starts_at"] == "2026-05-04T09:00:00+07:00"


async def test_one_minute_overlap_in_another_group_is_a_409_naming_the_session(
    new_group, weekly, schedule
):
    first_group = await new_group(**BERLIN, location="Room A")
    other_group = await new_group(**BERLIN, location="Room B")
    booked = await weekly(first_group["id"], "2026-03-12T18:00:00", count=8, duration=120)
    # 19:59 - 21:00 overlaps the 18:00 - 20:00 session by one minute.
    response = await schedule(
        other_group["id"], starts_at="2026-03-19T19:59:00", duration_minutes=61
    )
    body = problem(response, 409)
    assert body["clashes"] == [
        {
            "starts_at": "2026-03-19T19:59:00+01:00",
            "ends_at": "2026-03-19T21:00:00+01:00",
            "clashes_with": {
                "session_id": booked[1]["id"],
                "group_id": first_group["id"],
                "starts_at": booked[1]["starts_at"],
                "ends_at": booked[1]["ends_at"],
            },
            "reason": "facilitator",
        }
    ]
    # Touching is not overlapping.
    touching = await schedule(
        other_group["id"], starts_at="2026-03-19T20:00:00", duration_minutes=60
    )
    assert touching.status_code == 201, touching.text
    assert await Session.count().where(Session.group == other_group["id"]) == 1


async def test_a_series_lists_every_clash_and_skip_creates_the_rest(new_group, weekly, schedule):
    first_group = await new_group(**BERLIN, location="Room A")
    other_group = await new_group(**BERLIN, location="Room B")
    booked = await weekly(first_group["id"], "2026-03-12T18:00:00", count=8, duration=120)
    # Fortnightly at 19:00 from the same Thursday: 4 of 8 land on booked Thursdays.
    body = {
        "first_starts_at": "2026-03-12T19:00:00",
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY;INTERVAL=2;COUNT=8",
    }
    refused = await schedule(other_group["id"], **body)
    clashes = problem(refused, 409)["clashes"]
    assert [c["clashes_with"]["session_id"] for c in clashes] == [
        booked[i]["id"] for i in (0, 2, 4, 6)
    ]
    assert all(c["reason"] == "facilitator" for c in clashes)
    assert await Session.count().where(Session.group == other_group["id"]) == 0

    created = await schedule(other_group["id"], on_conflict="skip", **body)
    assert created.status_code == 201, created.text
    result = created.json()
    assert len(result["sessions"]) == 4
    assert [s["starts_at"] for s in result["skipped"]] == [c["starts_at"] for c in clashes]
    assert {s["starts_at"][:10] for s in result["sessions"]}.isdisjoint(
        {c["starts_at"][:10] for c in clashes}
    )
    assert await Session.count().where(Session.group == other_group["id"]) == 4


async def test_all_clashing_with_skip_creates_nothing(new_group, weekly, schedule):
    group = await new_group(**BERLIN)
    await weekly(group["id"], "2026-03-12T18:00:00", count=2)
    response = await schedule(
        group["id"],
        on_conflict="skip",
        first_starts_at="2026-03-12T18:30:00",
        duration_minutes=30,
        rrule="FREQ=WEEKLY;COUNT=2",
    )
    assert response.status_code == 201, response.text
    assert response.json()["sessions"] == []
    assert len(response.json()["skipped"]) == 2


async def test_a_room_cannot_be_double_booked(make_actor, new_group, schedule):
    other = await make_actor("facilitator")
    mine = await new_group(**BERLIN, location="Community Hall")
    theirs = await new_group(other, **BERLIN, location="Library")
    first = await schedule(mine["id"], starts_at="2026-06-01T10:00:00", duration_minutes=120)
    assert first.status_code == 201
    # A different facilitator, the same room written differently.
    response = await schedule(
        theirs["id"],
        other,
        starts_at="2026-06-01T11:00:00",
        duration_minutes=60,
        location="  community hall ",
    )
    body = problem(response, 409)
    assert body["clashes"][0]["reason"] == "location"
    # The booking belongs to another facilitator's group: its times are told, nothing else.
    booked = body["clashes"][0]["clashes_with"]
    assert set(booked) == {"starts_at", "ends_at"}, booked
    assert booked["starts_at"] == first.json()["sessions"][0]["starts_at"]
    for secret in ("session_id", "group_id", mine["name"], "Sharing circle"):
        assert secret not in response.text
    # Their own room at that time is free.
    free = await schedule(theirs["id"], other, starts_at="2026-06-01T11:00:00", duration_minutes=60)
    assert free.status_code == 201, free.text
    assert free.json()["sessions"][0]["location"] == "Library"


async def test_an_empty_location_never_clashes(make_actor, new_group, schedule):
    other = await make_actor("facilitator")
    mine = await new_group(**BERLIN)
    theirs = await new_group(other, **BERLIN)
    assert (
        await schedule(mine["id"], starts_at="2026-06-01T10:00:00", duration_minutes=60)
    ).status_code == 201
    response = await schedule(
        theirs["id"], other, starts_at="2026-06-01T10:00:00", duration_minutes=60
    )
    assert response.status_code == 201, response.text


async def test_cancelled_sessions_never_clash(new_group, schedule, facilitator):
    group = await new_group(**BERLIN, location="Hall")
    first = (
        await schedule(group["id"], starts_at="2026-06-01T10:00:00", duration_minutes=60)
    ).json()["sessions"][0]
    cancel = await facilitator.client.patch(
        f"/api/v1/sessions/{first['id']}",
        json={"status": "cancelled", "cancel_reason": "Room flooded"},
    )
    assert cancel.status_code == 200, cancel.text
    again = await schedule(group["id"], starts_at="2026-06-01T10:00:00", duration_minutes=60)
    assert again.status_code == 201, again.text
    # Reinstating the cancelled one now clashes with its replacement.
    reinstate = await facilitator.client.patch(
        f"/api/v1/sessions/{first['id']}", json={"status": "scheduled"}
    )
    problem(reinstate, 409)


async def test_a_co_facilitator_is_checked_across_their_groups(
    make_actor, new_group, schedule, facilitator
):
    colleague = await make_actor("facilitator")
    shared = await new_group(**BERLIN, facilitator_ids=[colleague.id])
    theirs = await new_group(colleague, **BERLIN)
    booked = await schedule(
        theirs["id"], colleague, starts_at="2026-06-02T18:00:00", duration_minutes=60
    )
    assert booked.status_code == 201
    # The shared group cannot meet while the colleague is with their own group.
    response = await schedule(shared["id"], starts_at="2026-06-02T18:30:00", duration_minutes=60)
    assert problem(response, 409)["clashes"][0]["reason"] == "facilitator"
    # Another group of mine alone has no facilitator in common with theirs.
    solo = await new_group(**BERLIN)
    free = await schedule(solo["id"], starts_at="2026-06-02T18:30:00", duration_minutes=60)
    assert free.status_code == 201, free.text


async def test_reschedule_one_occurrence_and_into_a_clash(new_group, weekly, schedule, facilitator):
    group = await new_group(**BERLIN, location="Hall")
    other_group = await new_group(**BERLIN, location="Studio")
    sessions = await weekly(group["id"], "2026-03-12T18:00:00", count=4, duration=60)
    elsewhere = (
        await schedule(other_group["id"], starts_at="2026-03-20T18:00:00", duration_minutes=60)
    ).json()["sessions"][0]
    target = sessions[1]
    into_clash = await facilitator.client.patch(
        f"/api/v1/sessions/{target['id']}", json={"starts_at": "2026-03-20T18:30:00"}
    )
    body = problem(into_clash, 409)
    assert body["clashes"][0]["clashes_with"]["session_id"] == elsewhere["id"]
    unchanged = (await facilitator.client.get(f"/api/v1/sessions/{target['id']}")).json()
    assert unchanged["starts_at"] == target["starts_at"] and unchanged["sequence"] == 0

    moved = await facilitator.client.patch(
        f"/api/v1/sessions/{target['id']}",
        json={"starts_at": "2026-03-21T10:00:00", "location": "Garden"},
    )
    assert moved.status_code == 200, moved.text
    result = moved.json()
    assert result["starts_at"] == "2026-03-21T10:00:00+01:00"
    assert result["ends_at"] == "2026-03-21T11:00:00+01:00"  # keeps its length
    assert result["location"] == "Garden" and result["sequence"] == 1
    # Moving within its own old slot does not clash with itself.
    again = await facilitator.client.patch(
        f"/api/v1/sessions/{target['id']}", json={"duration_minutes": 90}
    )
    assert again.status_code == 200 and again.json()["ends_at"] == "2026-03-21T11:30:00+01:00"
    assert again.json()["sequence"] == 2
    # The other occurrences did not move.
    others = (
        await facilitator.client.get("/api/v1/sessions", params={"group": group["id"]})
    ).json()["items"]
    assert [local_clock(s["starts_at"]) for s in others if s["id"] != target["id"]] == ["18:00"] * 3


async def test_cancel_needs_a_reason_and_stays_visible(new_group, weekly, facilitator):
    group = await new_group(**BERLIN)
    sessions = await weekly(group["id"], "2026-03-12T18:00:00", count=3)
    url = f"/api/v1/sessions/{sessions[1]['id']}"
    problem(await facilitator.client.patch(url, json={"status": "cancelled"}), 422, "cancel_reason")
    problem(
        await facilitator.client.patch(url, json={"status": "cancelled", "cancel_reason": "  "}),
        422,
        "cancel_reason",
    )
    done = await facilitator.client.patch(
        url, json={"status": "cancelled", "cancel_reason": "Public holiday"}
    )
    assert done.status_code == 200
    assert done.json()["status"] == "cancelled" and done.json()["sequence"] == 1
    listed = (
        await facilitator.client.get("/api/v1/sessions", params={"group": group["id"]})
    ).json()
    assert listed["total"] == 3
    assert [s["status"] for s in listed["items"]] == ["scheduled", "cancelled", "scheduled"]
    assert listed["items"][1]["cancel_reason"] == "Public holiday"
    back = await facilitator.client.patch(url, json={"status": "scheduled"})
    assert back.status_code == 200
    assert back.json()["cancel_reason"] == "" and back.json()["sequence"] == 2


async def test_following_moves_this_and_later_by_local_wall_clock(new_group, weekly, facilitator):
    group = await new_group(**BERLIN)
    sessions = await weekly(group["id"], "2026-03-12T18:00:00", count=8, duration=60)
    # From the second (before the DST change) on: 18:00 -> 19:30, 90 minutes long.
    response = await facilitator.client.patch(
        f"/api/v1/sessions/{sessions[1]['id']}",
        json={
            "starts_at": "2026-03-19T19:30:00",
            "duration_minutes": 90,
            "topic": "Later now",
            "scope": "following",
        },
    )
    assert response.status_code == 200, response.text
    items = (
        await facilitator.client.get("/api/v1/sessions", params={"group": group["id"]})
    ).json()["items"]
    assert [local_clock(s["starts_at"]) for s in items] == ["18:00"] + ["19:30"] * 7
    assert [local_clock(s["ends_at"]) for s in items] == ["19:00"] + ["21:00"] * 7
    assert [s["topic"] for s in items] == [""] + ["Later now"] * 7
    assert [s["sequence"] for s in items] == [0] + [1] * 7
    assert [s["starts_at"][:10] for s in items] == [s["starts_at"][:10] for s in sessions]


async def test_following_cancels_the_rest_of_a_series(new_group, weekly, facilitator):
    group = await new_group(**BERLIN)
    sessions = await weekly(group["id"], "2026-03-12T18:00:00", count=5)
    response = await facilitator.client.patch(
        f"/api/v1/sessions/{sessions[2]['id']}",
        json={"status": "cancelled", "cancel_reason": "Group ends early", "scope": "following"},
    )
    assert response.status_code == 200, response.text
    items = (
        await facilitator.client.get("/api/v1/sessions", params={"group": group["id"]})
    ).json()["items"]
    assert [s["status"] for s in items] == ["scheduled"] * 2 + ["cancelled"] * 3


async def test_following_into_a_clash_changes_nothing(new_group, weekly, schedule, facilitator):
    group = await new_group(**BERLIN)
    other = await new_group(**BERLIN)
    sessions = await weekly(group["id"], "2026-03-12T18:00:00", count=4, duration=60)
    await schedule(other["id"], starts_at="2026-04-02T20:00:00", duration_minutes=60)
    response = await facilitator.client.patch(
        f"/api/v1/sessions/{sessions[0]['id']}",
        json={"starts_at": "2026-03-12T20:30:00", "scope": "following"},
    )
    body = problem(response, 409)
    assert [c["starts_at"] for c in body["clashes"]] == ["2026-04-02T20:30:00+02:00"]
    items = (
        await facilitator.client.get("/api/v1/sessions", params={"group": group["id"]})
    ).json()["items"]
    assert [local_clock(s["starts_at"]) for s in items] == ["18:00"] * 4
    assert all(s["sequence"] == 0 for s in items)


async def test_a_session_whose_roll_is_taken_cannot_be_moved_or_cancelled(
    new_group, schedule, facilitator
):
    group = await new_group(**BERLIN)
    session = (
        await schedule(group["id"], starts_at="2026-03-12T18:00:00", duration_minutes=60)
    ).json()["sessions"][0]
    await Session.update({Session.roll_taken_at: utc(session["ends_at"])}).where(
        Session.id == session["id"]
    )
    url = f"/api/v1/sessions/{session['id']}"
    problem(await facilitator.client.patch(url, json={"starts_at": "2026-03-13T18:00:00"}), 409)
    problem(
        await facilitator.client.patch(url, json={"status": "cancelled", "cancel_reason": "x"}),
        409,
    )
    retitled = await facilitator.client.patch(url, json={"topic": "What we did"})
    assert retitled.status_code == 200 and retitled.json()["topic"] == "What we did"


BAD = [
    (
        {"first_starts_at": "2026-03-12T18:00:00", "duration_minutes": 60, "rrule": "FREQ=WEEKLY"},
        422,
        "rrule",
    ),
    (
        {"first_starts_at": "2026-03-12T18:00:00", "duration_minutes": 60, "rrule": "nonsense"},
        422,
        "rrule",
    ),
    (
        {
            "first_starts_at": "2026-03-12T18:00:00",
            "duration_minutes": 60,
            "rrule": "FREQ=WEEKLY;COUNT=201",
        },
        422,
        "rrule",
    ),
    (
        {
            "first_starts_at": "2026-03-12T18:00:00",
            "duration_minutes": 60,
            "rrule": "FREQ=MONTHLY;UNTIL=20290101",
        },
        422,
        "rrule",
    ),
    (
        {"first_starts_at": "2026-03-12T18:00:00", "rrule": "FREQ=WEEKLY;COUNT=2"},
        422,
        "duration_minutes",
    ),
    ({"duration_minutes": 60, "rrule": "FREQ=WEEKLY;COUNT=2"}, 422, "first_starts_at"),
    (
        {
            "starts_at": "2026-03-12T18:00:00",
            "duration_minutes": 60,
            "rrule": "FREQ=WEEKLY;COUNT=2",
        },
        422,
        "starts_at",
    ),
    ({"starts_at": "2026-03-12T18:00:00"}, 422, "ends_at"),
    ({"starts_at": "2026-03-12T18:00:00", "ends_at": "2026-03-12T17:00:00"}, 422, "ends_at"),
    ({"starts_at": "2026-03-12T18:00:00", "ends_at": "2026-03-12T18:00:00"}, 422, "ends_at"),
    ({"starts_at": "2026-03-12T18:00:00", "ends_at": "2026-03-14T18:00:00"}, 422, "ends_at"),
    (
        {
            "starts_at": "2026-03-12T18:00:00",
            "ends_at": "2026-03-12T19:00:00",
            "duration_minutes": 60,
        },
        422,
        "duration_minutes",
    ),
    (
        {"starts_at": "2026-03-12T18:00:00", "duration_minutes": 60, "guide": "no-such-guide"},
        422,
        "guide",
    ),
    (
        {"starts_at": "2026-03-12T18:00:00", "duration_minutes": 60, "guide": "Not A Slug!"},
        422,
        "guide",
    ),
    ({"starts_at": "tomorrow", "duration_minutes": 60}, 400, "starts_at"),
    ({"starts_at": "2026-03-12T18:00:00", "duration_minutes": 0}, 400, "duration_minutes"),
    (
        {"starts_at": "2026-03-12T18:00:00", "duration_minutes": 60, "on_conflict": "ignore"},
        400,
        "on_conflict",
    ),
    ({"starts_at": "2026-03-12T18:00:00", "duration_minutes": 60, "colour": "red"}, 400, "colour"),
    ({}, 422, "starts_at"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD)
async def test_bad_input_is_a_problem_naming_the_field(new_group, schedule, body, status, field):
    group = await new_group(**BERLIN)
    problem(await schedule(group["id"], **body), status, field)
    assert await Session.count() == 0


async def test_unknown_or_foreign_group_is_404(make_actor, new_group, schedule):
    body = {"starts_at": "2026-03-12T18:00:00", "duration_minutes": 60}
    problem(await schedule(999_999, **body), 404)
    other = await make_actor("facilitator")
    theirs = await new_group(other)
    problem(await schedule(theirs["id"], **body), 404)


async def test_bad_patches(new_group, schedule, facilitator):
    group = await new_group(**BERLIN)
    session = (
        await schedule(group["id"], starts_at="2026-03-12T18:00:00", duration_minutes=60)
    ).json()["sessions"][0]
    url = f"/api/v1/sessions/{session['id']}"
    patch = facilitator.client.patch
    problem(await patch(url, json={"ends_at": "2026-03-12T17:00:00"}), 422, "ends_at")
    problem(await patch(url, json={"guide": "no-such-guide"}), 422, "guide")
    problem(await patch(url, json={"status": "postponed"}), 400, "status")
    problem(await patch(url, json={"scope": "all"}), 400, "scope")
    problem(
        await patch(url, json={"ends_at": "2026-03-12T20:00:00", "duration_minutes": 30}),
        422,
        "duration_minutes",
    )
    problem(await patch("/api/v1/sessions/999999", json={"topic": "x"}), 404)
    cleared = await patch(url, json={"guide": "mutual-aid-circle"})
    assert cleared.json()["guide"] == "mutual-aid-circle"
    cleared = await patch(url, json={"guide": None})
    assert cleared.status_code == 200 and cleared.json()["guide"] is None


async def test_lists_are_scoped_ordered_filtered_and_paginated(
    make_actor, new_group, weekly, schedule, facilitator, admin
):
    other = await make_actor("facilitator")
    mine = await new_group(**BERLIN)
    theirs = await new_group(other, **BERLIN)
    await weekly(mine["id"], "2026-03-12T18:00:00", count=4)
    await weekly(theirs["id"], "2026-03-10T18:00:00", count=2, actor=other)

    listed = (await facilitator.client.get("/api/v1/sessions")).json()
    assert listed["total"] == 4 and {s["group_id"] for s in listed["items"]} == {mine["id"]}
    everything = (await admin.client.get("/api/v1/sessions")).json()
    assert everything["total"] == 6
    starts = [utc(s["starts_at"]) for s in everything["items"]]
    assert starts == sorted(starts)

    page = (
        await facilitator.client.get("/api/v1/sessions", params={"limit": 2, "offset": 1})
    ).json()
    assert page["total"] == 4 and [s["id"] for s in page["items"]] == [
        s["id"] for s in listed["items"][1:3]
    ]
    window = (
        await facilitator.client.get(
            "/api/v1/sessions",
            params={"from": "2026-03-19T00:00:00Z", "to": "2026-03-27T00:00:00+01:00"},
        )
    ).json()
    assert [s["starts_at"][:10] for s in window["items"]] == ["2026-03-19", "2026-03-26"]
    problem(await facilitator.client.get("/api/v1/sessions", params={"group": theirs["id"]}), 404)
    problem(await facilitator.client.get("/api/v1/sessions", params={"from": "soon"}), 400)
    theirs_session = (await other.client.get("/api/v1/sessions")).json()["items"][0]
    problem(await facilitator.client.get(f"/api/v1/sessions/{theirs_session['id']}"), 404)
    problem(
        await facilitator.client.patch(
            f"/api/v1/sessions/{theirs_session['id']}", json={"topic": "mine now"}
        ),
        404,
    )
    assert (await admin.client.get(f"/api/v1/sessions/{theirs_session['id']}")).status_code == 200


async def test_members_see_only_their_groups_from_the_day_they_joined(
    member_actor, new_group, enrol, weekly, facilitator
):
    member, record = await member_actor()
    mine = await new_group(**BERLIN)
    other = await new_group(**BERLIN)
    await weekly(mine["id"], "2026-03-12T18:00:00", count=6)
    await weekly(other["id"], "2026-03-13T18:00:00", count=3)
    await enrol(mine["id"], record["id"], joined_on="2026-03-19")

    listed = await member.client.get("/api/v1/me/sessions")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 5
    assert {s["group_id"] for s in body["items"]} == {mine["id"]}
    assert body["items"][0]["starts_at"] == "2026-03-19T18:00:00+01:00"
    upcoming = (
        await member.client.get("/api/v1/me/sessions", params={"from": "2026-04-01T00:00:00Z"})
    ).json()
    assert upcoming["total"] == 3

    # Staff lists and other groups' sessions are not for members.
    assert (await member.client.get("/api/v1/sessions")).status_code == 403
    first = body["items"][0]["id"]
    assert (await member.client.get(f"/api/v1/sessions/{first}")).status_code == 403
    assert (await facilitator.client.get("/api/v1/me/sessions")).status_code == 403

    # Once the membership ends, nothing.
    ended = await facilitator.client.delete(f"/api/v1/groups/{mine['id']}/members/{record['id']}")
    assert ended.status_code == 204
    assert (await member.client.get("/api/v1/me/sessions")).json() == {"items": [], "total": 0}


async def test_concurrent_clashing_creations_cannot_both_pass(new_group, schedule):
    first = await new_group(**BERLIN)
    second = await new_group(**BERLIN)
    body = {
        "first_starts_at": "2026-09-01T18:00:00",
        "duration_minutes": 60,
        "rrule": "FREQ=DAILY;COUNT=20",
    }
    responses = await asyncio.gather(schedule(first["id"], **body), schedule(second["id"], **body))
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert await Session.count() == 20


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "9999-12-31T23:00:00", "duration_minutes": 60}, "starts_at"),
        ({"starts_at": "1899-12-31T23:00:00", "duration_minutes": 60}, "starts_at"),
        ({"starts_at": "2200-12-31T23:00:00", "duration_minutes": 600}, "ends_at"),
        (
            {
                "first_starts_at": "2199-12-01T10:00:00",
                "duration_minutes": 60,
                "rrule": "FREQ=YEARLY;COUNT=3",
            },
            "rrule",
        ),
    ],
)
async def test_times_beyond_what_the_databases_hold_are_refused_and_nothing_is_written(
    new_group, schedule, facilitator, body, field
):
    group = await new_group(timezone="Asia/Jakarta")
    problem(await schedule(group["id"], **body), 422, field)
    listed = await facilitator.client.get("/api/v1/sessions", params={"group": group["id"]})
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert (await facilitator.client.get(f"/groups/{group['id']}")).status_code == 200
    assert (
        await facilitator.client.get(f"/api/v1/groups/{group['id']}/calendar.ics")
    ).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0001-01-01T00:00:00+14:00"}, "from"),
        ({"to": "9999-12-31T23:59:59-12:00"}, "to"),
        ({"to": "0.5"}, "to"),
    ],
)
async def test_list_bounds_out_of_range_are_a_4xx_naming_them(facilitator, params, field):
    response = await facilitator.client.get("/api/v1/sessions", params=params)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["field"] == field
