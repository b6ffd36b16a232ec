from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import GROUP_BODY


async def test_two_place_group_waitlists_the_third_and_promotes_on_leave(
    facilitator, new_group, new_member, enrol
):
    group = await new_group(capacity=2)
    members = [await new_member(f"Person {i}") for i in range(3)]
    results = [await enrol(group["id"], m["id"]) for m in members]
    assert [r["status"] for r in results] == ["active", "active", "waitlisted"]
    assert results[2]["waitlist_position"] == 1

    response = await facilitator.client.delete(
        f"/api/v1/groups/{group['id']}/members/{members[0]['id']}"
    )
    assert response.status_code == 204

    roster = (await facilitator.client.get(f"/api/v1/groups/{group['id']}/members")).json()
    assert {e["member_id"] for e in roster["active"]} == {members[1]["id"], members[2]["id"]}
    assert roster["waitlist"] == []


async def test_waitlist_positions_follow_arrival(new_group, new_member, enrol):
    group = await new_group(capacity=2)
    members = [await new_member() for _ in range(5)]
    results = [await enrol(group["id"], m["id"]) for m in members]
    assert [r["waitlist_position"] for r in results] == [None, None, 1, 2, 3]


async def test_enrolment_without_consent_is_refused(facilitator, new_group, new_member):
    group = await new_group()
    member = await new_member()
    response = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/members",
        json={"member_id": member["id"], "consent_given": False},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "consent_given"
    roster = (await facilitator.client.get(f"/api/v1/groups/{group['id']}/members")).json()
    assert roster["active"] == [] and roster["waitlist"] == []


async def test_duplicate_enrolment_is_a_conflict(facilitator, new_group, new_member, enrol):
    group = await new_group()
    member = await new_member()
    await enrol(group["id"], member["id"])
    response = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/members",
        json={"member_id": member["id"], "consent_given": True},
    )
    assert response.status_code == 409
    assert response.json()["field"] == "member_id"


async def test_joined_on_in_the_past_is_kept_and_future_refused(
    facilitator, new_group, new_member, enrol
):
    group = await new_group(timezone="UTC")
    member = await new_member()
    past = date.today() - timedelta(days=60)
    await enrol(group["id"], member["id"], joined_on=past.isoformat())
    roster = (await facilitator.client.get(f"/api/v1/groups/{group['id']}/members")).json()
    assert roster["active"][0]["joined_on"] == past.isoformat()

    other = await new_member()
    response = await facilitator.client.post(
        f"/api/v1/groups/{group['id']}/members",
        json={
            "member_id": other["id"],
            "consent_given": True,
            "joined_on": (date.today() + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "joined_on"


async def test_ended_membership_keeps_history_and_allows_reenrolment(
    facilitator, new_group, new_member, enrol
):
    group = await new_group()
    member = await new_member()
    await enrol(group["id"], member["id"])
    await facilitator.client.delete(f"/api/v1/groups/{group['id']}/members/{member['id']}")
    again = await enrol(group["id"], member["id"])
    assert again["status"] == "active"
    from backend.groups.tables import Membership

    periods = (
        await Membership.select(Membership.status, Membership.left_on)
        .where(Membership.member == member["id"])
        .order_by(Membership.id)
    )
    assert [p["status"] for p in periods] == ["ended", "active"]
    assert periods[0]["left_on"] is not None


async def test_facilitator_sees_only_own_groups(make_actor, new_group, admin):
    other = await make_actor("facilitator")
    mine = await new_group(name="Mine")
    theirs = await new_group(actor=other, name="Theirs")
    facilitator_view = await other.client.get("/api/v1/groups")
    assert [g["name"] for g in facilitator_view.json()["items"]] == ["Theirs"]
    assert (await other.client.get(f"/api/v1/groups/{mine['id']}")).status_code == 404
    assert (
        await other.client.patch(f"/api/v1/groups/{mine['id']}", json={"name": "Taken"})
    ).status_code == 404
    admin_view = await admin.client.get("/api/v1/groups")
    assert {g["id"] for g in admin_view.json()["items"]} == {mine["id"], theirs["id"]}


async def test_group_round_trip_and_patch(facilitator, new_group):
    group = await new_group(purposes=["social-change", "mutual-aid"])
    assert group["purposes"] == ["mutual-aid", "social-change"]  # the source's order
    assert group["facilitator_ids"] == [facilitator.id]
    response = await facilitator.client.patch(
        f"/api/v1/groups/{group['id']}", json={"phase": "monitoring", "capacity": 3}
    )
    assert response.status_code == 200, response.text
    assert response.json()["phase"] == "monitoring"
    assert response.json()["capacity"] == 3
    assert response.json()["name"] == GROUP_BODY["name"]


async def test_raising_capacity_moves_waiting_members_up(facilitator, new_group, new_member, enrol):
    group = await new_group(capacity=2)
    for _ in range(4):
        await enrol(group["id"], (await new_member())["id"])
    response = await facilitator.client.patch(f"/api/v1/groups/{group['id']}", json={"capacity": 3})
    assert response.json()["active_count"] == 3
    assert response.json()["waitlist_count"] == 1
    lowered = await facilitator.client.patch(f"/api/v1/groups/{group['id']}", json={"capacity": 2})
    assert lowered.status_code == 409
    assert lowered.json()["field"] == "capacity"


async def test_page_enrolment_of_a_new_person_without_consent_writes_nothing(
    facilitator, new_group
):
    group = await new_group()
    form = {"new_name": "Ayu Lestari", "new_email": "ayu.lestari@test.example"}
    for _ in range(3):
        response = await facilitator.client.post(f"/groups/{group['id']}/enrol", data=form)
        assert response.status_code == 422, response.text
    on_record = await facilitator.client.get(
        "/api/v1/members", params={"email": "ayu.lestari@test.example"}
    )
    assert on_record.json()["items"] == []
    roster = (await facilitator.client.get(f"/api/v1/groups/{group['id']}/members")).json()
    assert roster["active"] == [] and roster["waitlist"] == []
