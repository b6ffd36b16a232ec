"""A group's leader (ketua kelompok) is one of its active members, and stops being the leader
when their membership ends."""

from __future__ import annotations


async def test_an_active_member_leads_the_group_until_their_membership_ends(
    facilitator, new_group, new_member, enrol
):
    group = await new_group(capacity=2)
    ani, budi, citra = [await new_member(n) for n in ("Ani", "Budi", "Citra")]
    await enrol(group["id"], ani["id"])
    await enrol(group["id"], budi["id"])
    await enrol(group["id"], citra["id"])  # the group is full: Citra waits
    url = f"/api/v1/groups/{group['id']}"
    assert (await facilitator.client.get(url)).json()["leader_member_id"] is None

    chosen = await facilitator.client.patch(url, json={"leader_member_id": ani["id"]})
    assert chosen.status_code == 200 and chosen.json()["leader_member_id"] == ani["id"]

    waiting = await facilitator.client.patch(url, json={"leader_member_id": citra["id"]})
    assert waiting.status_code == 422
    assert waiting.json()["code"] == "leader_not_active"
    assert waiting.json()["field"] == "leader_member_id"
    stranger = await new_member("Dedi")
    refused = await facilitator.client.patch(url, json={"leader_member_id": stranger["id"]})
    assert refused.status_code == 422
    assert (await facilitator.client.get(url)).json()["leader_member_id"] == ani["id"]

    left = await facilitator.client.delete(f"{url}/members/{ani['id']}")
    assert left.status_code in (200, 204), left.text
    assert (await facilitator.client.get(url)).json()["leader_member_id"] is None

    await facilitator.client.patch(url, json={"leader_member_id": budi["id"]})
    cleared = await facilitator.client.patch(url, json={"leader_member_id": None})
    assert cleared.json()["leader_member_id"] is None
