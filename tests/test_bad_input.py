"""No request body, however malformed, produces a 500: an explicit table plus a property test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GOOD_GROUP = {
    "name": "G",
    "kind": "support",
    "purposes": ["mutual-aid"],
    "capacity": 5,
    "timezone": "Asia/Jakarta",
}

# (method, path, raw body, expected status, expected field or None)
BAD_BODIES: list[tuple[str, str, Any, int, str | None]] = [
    ("POST", "/api/v1/groups", b"{not json", 400, None),
    ("POST", "/api/v1/groups", b"", 400, None),
    ("POST", "/api/v1/groups", b"[]", 400, None),
    ("POST", "/api/v1/groups", b"null", 400, None),
    ("POST", "/api/v1/groups", b'"a string"', 400, None),
    ("POST", "/api/v1/groups", b"\xff\xfe\x00", 400, None),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "capacity": "ten"}, 400, "capacity"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "capacity": 1}, 400, "capacity"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "capacity": 51}, 400, "capacity"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "capacity": 10**30}, 400, "capacity"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "purposes": ["not-a-purpose"]}, 400, "purposes[0]"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "purposes": []}, 400, "purposes"),
    (
        "POST",
        "/api/v1/groups",
        {**GOOD_GROUP, "purposes": ["mutual-aid", "mutual-aid"]},
        400,
        "purposes",
    ),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "purposes": "mutual-aid"}, 400, "purposes"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "timezone": "Mars/Olympus"}, 400, "timezone"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "timezone": "../../etc/passwd"}, 400, "timezone"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "timezone": "localtime"}, 400, "timezone"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "timezone": "posixrules"}, 400, "timezone"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "timezone": "Factory"}, 400, "timezone"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "timezone": "right/UTC"}, 400, "timezone"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "kind": "party"}, 400, "kind"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "phase": "forever"}, 400, "phase"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "name": ""}, 400, "name"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "name": "x" * 500}, 400, "name"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "surprise": 1}, 400, "surprise"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "facilitator_ids": [0]}, 400, "facilitator_ids[0]"),
    ("POST", "/api/v1/groups", {**GOOD_GROUP, "facilitator_ids": [999999]}, 422, "facilitator_ids"),
    (
        "POST",
        "/api/v1/groups",
        {k: v for k, v in GOOD_GROUP.items() if k != "timezone"},
        400,
        "timezone",
    ),
    ("PATCH", "/api/v1/groups/{group}", {"capacity": None}, 400, "capacity"),
    ("PATCH", "/api/v1/groups/{group}", {"purposes": ["x"]}, 400, "purposes[0]"),
    ("PATCH", "/api/v1/groups/{group}", {"facilitator_ids": []}, 422, "facilitator_ids"),
    ("PATCH", "/api/v1/groups/{group}", b"{", 400, None),
    (
        "POST",
        "/api/v1/groups/{group}/members",
        {"member_id": "one", "consent_given": True},
        400,
        "member_id",
    ),
    (
        "POST",
        "/api/v1/groups/{group}/members",
        {"member_id": 999999, "consent_given": True},
        422,
        "member_id",
    ),
    ("POST", "/api/v1/groups/{group}/members", {"member_id": 1}, 400, "consent_given"),
    (
        "POST",
        "/api/v1/groups/{group}/members",
        {"member_id": "{member}", "consent_given": True, "joined_on": "yesterday"},
        400,
        "joined_on",
    ),
    (
        "POST",
        "/api/v1/groups/{group}/members",
        {"member_id": -5, "consent_given": True},
        400,
        "member_id",
    ),
    ("POST", "/api/v1/members", {"display_name": "A", "email": "not-an-email"}, 400, "email"),
    ("POST", "/api/v1/members", {"display_name": "A", "password": "long enough"}, 422, "email"),
    ("POST", "/api/v1/members", {"display_name": "A", "phone": "call me maybe"}, 400, "phone"),
    ("POST", "/api/v1/members", {}, 400, "display_name"),
    (
        "POST",
        "/api/v1/users",
        {"email": "a@b.example", "display_name": "A", "role": "god", "password": "long enough"},
        400,
        "role",
    ),
    (
        "POST",
        "/api/v1/users",
        {"email": "a@b.example", "display_name": "A", "role": "admin", "password": "short"},
        400,
        "password",
    ),
    (
        "POST",
        "/api/v1/users",
        {"email": "a@b.example", "display_name": "A", "role": "member", "password": "long enough"},
        400,
        "role",
    ),
    ("POST", "/api/v1/auth/login", {"email": "a@b.example"}, 400, "password"),
    ("POST", "/api/v1/auth/login", {"email": 5, "password": "x"}, 400, "email"),
]


@pytest.fixture
async def targets(admin, new_group, new_member, facilitator):
    group = await new_group()
    member = await new_member()
    return {"group": str(group["id"]), "member": member["id"]}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    BAD_BODIES,
    ids=[f"{i:02d}-{m}-{p.rsplit('/', 1)[-1]}" for i, (m, p, *_rest) in enumerate(BAD_BODIES)],
)
async def test_bad_body_is_a_clear_4xx(admin, targets, method, path, body, status, field):
    url = path.format(group=targets["group"])
    if isinstance(body, dict):
        body = {k: (targets["member"] if v == "{member}" else v) for k, v in body.items()}
        content = json.dumps(body).encode()
    else:
        content = body
    response = await admin.client.request(
        method, url, content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert problem.get("field") == field, problem


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
group_like = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values,
        "kind": json_values,
        "purposes": json_values,
        "capacity": json_values,
        "timezone": json_values,
        "phase": json_values,
        "facilitator_ids": json_values,
        "description": json_values,
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(json_values, group_like))
async def test_random_bodies_never_cause_a_server_error(admin, targets, body):
    for method, path in (
        ("POST", "/api/v1/groups"),
        ("PATCH", f"/api/v1/groups/{targets['group']}"),
        ("POST", f"/api/v1/groups/{targets['group']}/members"),
        ("POST", "/api/v1/members"),
    ):
        response = await admin.client.request(method, path, json=body)
        assert response.status_code < 500, (method, path, body, response.text)
