"""A facilitator learns nothing about a member who is only in another facilitator's group.

The other facilitator's member is given a name, email and phone found nowhere else; then the
first facilitator reads every GET route of the API and of the pages, with every id of the other
group, its session and its member put in each path, and searches for parts of them. None of
the three may appear in any answer. The only way to that person is the one the enrolment needs:
an exact email or phone, answered with an id and a display name and nothing more.
"""

from __future__ import annotations

import itertools
import re

from litestar import Litestar

SECRET_NAME = "Sekar Rahasiawati"
SECRET_EMAIL = "sekar.rahasiawati@private.example"
SECRET_PHONE = "0812 9753 1864"
WHAT_MUST_NOT_SHOW = ("Rahasiawati", "rahasiawati", "9753", "1864")
INT_PATH = re.compile(r"\{(\w+):int\}")
STR_PATH = re.compile(r"\{(\w+)(?::str|:path)?\}")


def _get_routes(app: Litestar) -> list[str]:
    return sorted({route.path for route in app.routes if "GET" in getattr(route, "methods", ())})


def _fill(path: str, ids: tuple[int, ...]) -> list[str]:
    names = INT_PATH.findall(path)
    filled = []
    for choice in itertools.product(ids, repeat=len(names)):
        concrete = path
        for number in choice:
            concrete = INT_PATH.sub(str(number), concrete, count=1)
        filled.append(STR_PATH.sub("x.ics", concrete))
    return filled


async def test_a_member_of_another_facilitators_group_stays_unknown(
    app, facilitator, make_actor, new_group, new_member, enrol
) -> None:
    theirs = await new_group(name="Their circle")
    secret = await new_member(SECRET_NAME, email=SECRET_EMAIL, phone=SECRET_PHONE)
    await enrol(theirs["id"], secret["id"], joined_on="2025-01-01")
    made = await facilitator.client.post(
        f"/api/v1/groups/{theirs['id']}/sessions",
        json={"starts_at": "2025-06-01T10:00:00", "duration_minutes": 60},
    )
    their_session = made.json()["sessions"][0]["id"]
    rolled = await facilitator.client.put(
        f"/api/v1/sessions/{their_session}/attendance",
        json={"records": [{"member_id": secret["id"], "status": "present", "note": "ok"}]},
    )
    assert rolled.status_code == 200, rolled.text

    me = await make_actor("facilitator")
    mine = await new_group(actor=me, name="My circle")
    neighbour = await me.client.post("/api/v1/members", json={"display_name": "Neighbour"})
    assert neighbour.status_code == 201, neighbour.text
    joined = await me.client.post(
        f"/api/v1/groups/{mine['id']}/members",
        json={"member_id": neighbour.json()["id"], "consent_given": True},
    )
    assert joined.status_code == 201, joined.text

    ids = tuple(
        sorted({theirs["id"], secret["id"], their_session, mine["id"], neighbour.json()["id"]})
    )
    searches = [
        {"q": "Sekar"},
        {"q": "rahasia"},
        {"q": "private.example"},
        {"q": "9753"},
        {"email": "sekar.rahasiawati@private"},
        {"phone": "0812 9753"},
        {"group": str(theirs["id"])},
    ]
    leaks = []
    answered = 0
    for path in _get_routes(app):
        if path.startswith(("/guides", "/static", "/schema")):
            continue
        for url in _fill(path, ids):
            for params in [{}, *searches]:
                response = await me.client.get(url, params=params)
                answered += response.status_code == 200
                # A page may repeat its own address (a language link): what was asked for
                # is not a leak, anything else of the person is.
                asked = " ".join(params.values()).lower()
                unasked = [p for p in WHAT_MUST_NOT_SHOW if p.lower() not in asked]
                if any(piece in response.text for piece in unasked):
                    leaks.append(f"GET {url} {params} -> {response.status_code}")
    assert answered > 50, answered
    assert not leaks, leaks[:20]

    # Their member cannot be enrolled by id, nor read through the enrolment's answer.
    by_id = await me.client.post(
        f"/api/v1/groups/{mine['id']}/members",
        json={"member_id": secret["id"], "consent_given": True},
    )
    assert by_id.status_code == 422 and by_id.json()["field"] == "member_id", by_id.text
    assert "Rahasiawati" not in by_id.text
    page = await me.client.post(
        f"/groups/{mine['id']}/enrol", data={"member_id": str(secret["id"]), "consent_given": "1"}
    )
    assert page.status_code == 422 and "Rahasiawati" not in page.text

    # The exact email or phone finds the one person, as an id and a display name only.
    for params in ({"email": SECRET_EMAIL}, {"phone": SECRET_PHONE}):
        found = await me.client.get("/api/v1/members", params=params)
        assert found.status_code == 200, found.text
        assert [set(item) for item in found.json()["items"]] == [{"id", "display_name"}]
        assert found.json()["items"][0]["id"] == secret["id"]


async def test_creating_a_person_already_on_record_names_the_record(
    facilitator, make_actor, new_member
) -> None:
    secret = await new_member(SECRET_NAME, email=SECRET_EMAIL, phone=SECRET_PHONE)
    me = await make_actor("facilitator")
    for body in (
        {"display_name": "Again", "email": SECRET_EMAIL.upper()},
        {"display_name": "Again", "phone": SECRET_PHONE},
    ):
        response = await me.client.post("/api/v1/members", json=body)
        assert response.status_code == 409, response.text
        assert response.json()["existing_member_id"] == secret["id"]
    everyone = await facilitator.client.get("/api/v1/members", params={"q": "Again"})
    assert everyone.json()["items"] == []
