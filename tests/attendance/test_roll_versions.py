"""Two people, one roll: the roll's version travels as ETag / If-Match, and a save over a roll
that changed meanwhile is a 412 that carries the current roll and writes nothing."""

from __future__ import annotations

from tests.attendance.conftest import days_ago


async def _roll(facilitator, new_group, new_member, enrol, make_sessions):
    group = await new_group()
    people = [await new_member(n) for n in ("Ani", "Budi")]
    for person in people:
        await enrol(group["id"], person["id"], joined_on=days_ago(30).date().isoformat())
    (session,) = await make_sessions(group["id"], [days_ago(1)])
    return f"/api/v1/sessions/{session}/attendance", [p["id"] for p in people]


async def test_a_save_over_the_version_read_succeeds_and_a_stale_one_is_412(
    facilitator, new_group, new_member, enrol, make_sessions
):
    url, (ani, budi) = await _roll(facilitator, new_group, new_member, enrol, make_sessions)
    empty = await facilitator.client.get(url)
    first_version = empty.headers["etag"]
    assert first_version.startswith('"') and empty.json()["records"] == []

    mine = {
        "records": [
            {"member_id": ani, "status": "present"},
            {"member_id": budi, "status": "absent"},
        ]
    }
    saved = await facilitator.client.put(url, json=mine, headers={"If-Match": first_version})
    assert saved.status_code == 200, saved.text
    second_version = saved.headers["etag"]
    assert second_version != first_version
    assert (await facilitator.client.get(url)).headers["etag"] == second_version

    # Someone who opened the roll before that save sends theirs: refused, nothing written.
    history_before = (await facilitator.client.get(f"{url}/history")).json()
    theirs = {
        "records": [{"member_id": ani, "status": "late"}, {"member_id": budi, "status": "present"}]
    }
    stale = await facilitator.client.put(url, json=theirs, headers={"If-Match": first_version})
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    problem = stale.json()
    assert problem["code"] == "stale_roll" and problem["etag"] == second_version
    assert stale.headers["etag"] == second_version
    current = (await facilitator.client.get(url)).json()
    assert problem["current"] == current
    assert {r["member_id"]: r["status"] for r in current["records"]} == {
        ani: "present",
        budi: "absent",
    }
    assert (await facilitator.client.get(f"{url}/history")).json() == history_before

    # With the current version it goes through; saving the same roll again keeps the version.
    again = await facilitator.client.put(url, json=theirs, headers={"If-Match": second_version})
    assert again.status_code == 200 and again.headers["etag"] != second_version
    same = await facilitator.client.put(
        url, json=theirs, headers={"If-Match": again.headers["etag"]}
    )
    assert same.status_code == 200 and same.headers["etag"] == again.headers["etag"]


async def test_without_if_match_or_with_a_star_the_roll_is_written_as_before(
    facilitator, new_group, new_member, enrol, make_sessions
):
    url, (ani, _budi) = await _roll(facilitator, new_group, new_member, enrol, make_sessions)
    plain = await facilitator.client.put(
        url, json={"records": [{"member_id": ani, "status": "present"}]}
    )
    assert plain.status_code == 200
    star = await facilitator.client.put(
        url, json={"records": [{"member_id": ani, "status": "late"}]}, headers={"If-Match": "*"}
    )
    assert star.status_code == 200 and star.json()["records"][0]["status"] == "late"
    weak = await facilitator.client.put(
        url,
        json={"records": [{"member_id": ani, "status": "absent"}]},
        headers={"If-Match": "W/" + star.headers["etag"]},
    )
    assert weak.status_code == 200
    nonsense = await facilitator.client.put(
        url, json={"records": []}, headers={"If-Match": '"not-a-version"'}
    )
    assert nonsense.status_code == 412
    assert (await facilitator.client.get(url)).json()["records"][0]["status"] == "absent"
