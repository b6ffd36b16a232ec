"""Every route of the application against the role matrix.

The first test fails when a route exists that this matrix does not list, so a new route cannot
arrive without a decision about who may use it. The second calls every route as each role and
checks the answer: allowed roles are never refused (401/403, or a redirect to the login page),
refused roles never get through.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.scheduling.tables import Session

ANON, MEMBER, OUTSIDER, FACILITATOR, ADMIN = (
    "anonymous",
    "member",
    "outsider",
    "facilitator",
    "admin",
)
ROLES = (ANON, MEMBER, OUTSIDER, FACILITATOR, ADMIN)
PUBLIC = frozenset(ROLES)
LOGIN = frozenset({MEMBER, OUTSIDER, FACILITATOR, ADMIN})
MEMBER_ONLY = frozenset({MEMBER})
STAFF = frozenset({OUTSIDER, FACILITATOR, ADMIN})
GROUP = frozenset({FACILITATOR, ADMIN})
ADMIN_ONLY = frozenset({ADMIN})
# Routes checked in their own tests because calling them changes who is logged in.
OWN_TESTS = frozenset(
    {
        "POST /api/v1/auth/login",
        "POST /login",
        "POST /logout",
        "POST /api/v1/auth/logout",
        "GET /",
        # The language switch needs a page's CSRF token first: tests/web/test_i18n.py.
        "POST /language",
    }
)
# Routes that exist only when the guides site has been built.
SITE_ROUTES = frozenset({"GET /guides", "GET /guides/{file_path}", "HEAD /guides/{file_path}"})

MATRIX: dict[str, frozenset[str]] = {
    "POST /api/v1/auth/login": PUBLIC,
    "POST /api/v1/auth/logout": LOGIN,
    "GET /api/v1/me": LOGIN,
    "GET /api/v1/users": ADMIN_ONLY,
    "POST /api/v1/users": ADMIN_ONLY,
    "GET /api/v1/members": STAFF,
    "POST /api/v1/members": STAFF,
    "GET /api/v1/members/{member_id}": STAFF,
    "GET /api/v1/groups": STAFF,
    "POST /api/v1/groups": STAFF,
    "GET /api/v1/groups/{group_id}": GROUP,
    "PATCH /api/v1/groups/{group_id}": GROUP,
    "GET /api/v1/groups/{group_id}/members": GROUP,
    "POST /api/v1/groups/{group_id}/members": GROUP,
    "DELETE /api/v1/groups/{group_id}/members/{member_id}": GROUP,
    "GET /api/v1/purposes": PUBLIC,
    "GET /api/v1/guides": PUBLIC,
    "POST /api/v1/groups/{group_id}/sessions": GROUP,
    "GET /api/v1/groups/{group_id}/calendar.ics": GROUP,
    "GET /api/v1/sessions": STAFF,
    "GET /api/v1/sessions/{session_id}": GROUP,
    "PATCH /api/v1/sessions/{session_id}": GROUP,
    "GET /api/v1/me/sessions": MEMBER_ONLY,
    "GET /api/v1/me/calendar-link": MEMBER_ONLY,
    "DELETE /api/v1/me/calendar-link": MEMBER_ONLY,
    "GET /api/v1/calendar/{token}": PUBLIC,
    "PUT /api/v1/sessions/{session_id}/attendance": GROUP,
    "GET /api/v1/sessions/{session_id}/attendance": GROUP,
    "GET /api/v1/sessions/{session_id}/attendance/history": GROUP,
    "GET /api/v1/me/attendance": MEMBER_ONLY,
    "GET /api/v1/members/{member_id}/attendance": GROUP,
    "GET /api/v1/groups/{group_id}/report": GROUP,
    "GET /api/v1/groups/{group_id}/attendance.csv": GROUP,
    # pages
    "GET /": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": LOGIN,
    "GET /dashboard": STAFF,
    "GET /groups/new": STAFF,
    "POST /groups/new": STAFF,
    "GET /groups/{group_id}": GROUP,
    "POST /groups/{group_id}/enrol": GROUP,
    "POST /groups/{group_id}/members/{member_id}/end": GROUP,
    "GET /admin/users": ADMIN_ONLY,
    "POST /admin/users": ADMIN_ONLY,
    "GET /my": LOGIN,
    "POST /groups/{group_id}/sessions": GROUP,
    "POST /groups/{group_id}/sessions/{session_id}/cancel": GROUP,
    "POST /groups/{group_id}/sessions/{session_id}/reinstate": GROUP,
    "POST /groups/{group_id}/sessions/{session_id}/reschedule": GROUP,
    "GET /my/calendar-link": MEMBER_ONLY,
    "POST /my/calendar-link/reset": MEMBER_ONLY,
    "GET /sessions/{session_id}/roll": GROUP,
    "POST /sessions/{session_id}/roll": GROUP,
    "GET /groups/{group_id}/report": GROUP,
    "GET /static/{file_path}": PUBLIC,
    "HEAD /static/{file_path}": PUBLIC,
    "GET /guides/{file_path}": PUBLIC,
    "HEAD /guides/{file_path}": PUBLIC,
    "GET /guides": PUBLIC,
    # languages, accounts and follow-up (issue 11)
    "PATCH /api/v1/me": LOGIN,
    "POST /api/v1/me/password": LOGIN,
    "POST /api/v1/users/{user_id}/temporary-password": ADMIN_ONLY,
    "POST /api/v1/users/{user_id}/deactivate": ADMIN_ONLY,
    "POST /api/v1/users/{user_id}/reactivate": ADMIN_ONLY,
    "POST /api/v1/users/member-logins": ADMIN_ONLY,
    "GET /api/v1/follow-up": STAFF,
    "POST /api/v1/groups/{group_id}/members/{member_id}/contacts": GROUP,
    "GET /static/swagger-ui/{file_path}": PUBLIC,
    "HEAD /static/swagger-ui/{file_path}": PUBLIC,
    "POST /language": PUBLIC,
    "GET /language": PUBLIC,
    "GET /logout": PUBLIC,
    "GET /account/password": LOGIN,
    "POST /account/password": LOGIN,
    "GET /groups/{group_id}/rolls": GROUP,
    "GET /groups/{group_id}/members": GROUP,
    "GET /groups/{group_id}/enrol": GROUP,
    "GET /groups/{group_id}/members/{member_id}/end": GROUP,
    "POST /groups/{group_id}/facilitators": ADMIN_ONLY,
    "GET /groups/{group_id}/facilitators": GROUP,
    "POST /groups/{group_id}/facilitators/{user_id}/remove": ADMIN_ONLY,
    "GET /groups/{group_id}/facilitators/{user_id}/remove": GROUP,
    "GET /groups/{group_id}/sessions": GROUP,
    "GET /groups/{group_id}/sessions/{session_id}/cancel": GROUP,
    "GET /groups/{group_id}/sessions/{session_id}/reinstate": GROUP,
    "GET /groups/{group_id}/sessions/{session_id}/reschedule": GROUP,
    "POST /admin/users/{user_id}/temporary-password": ADMIN_ONLY,
    "GET /admin/users/{user_id}/temporary-password": ADMIN_ONLY,
    "POST /admin/users/{user_id}/deactivate": ADMIN_ONLY,
    "GET /admin/users/{user_id}/deactivate": ADMIN_ONLY,
    "POST /admin/users/{user_id}/reactivate": ADMIN_ONLY,
    "GET /admin/users/{user_id}/reactivate": ADMIN_ONLY,
    "POST /admin/member-logins": ADMIN_ONLY,
    "GET /admin/member-logins": ADMIN_ONLY,
    "GET /my/calendar-link/reset": MEMBER_ONLY,
    "POST /follow-up/{group_id}/{member_id}/contacts": GROUP,
    "GET /follow-up/{group_id}/{member_id}/contacts": STAFF,
    # curricula (issue 13)
    "GET /api/v1/curricula": STAFF,
    "POST /api/v1/curricula": ADMIN_ONLY,
    "GET /api/v1/curricula/{curriculum_id}": STAFF,
    "GET /api/v1/groups/{group_id}/progress": GROUP,
    "GET /api/v1/groups/{group_id}/months/{month}": GROUP,
    # the members' side (issue 14)
    "PUT /api/v1/me/sessions/{session_id}/absence": MEMBER_ONLY,
    "DELETE /api/v1/me/sessions/{session_id}/absence": MEMBER_ONLY,
    "POST /my/sessions/{session_id}/absence": MEMBER_ONLY,
    "GET /my/sessions/{session_id}/absence": MEMBER_ONLY,
    "POST /my/sessions/{session_id}/absence/withdraw": MEMBER_ONLY,
    "GET /my/sessions/{session_id}/absence/withdraw": MEMBER_ONLY,
    "GET /api/v1/me/sessions/{session_id}/feedback": MEMBER_ONLY,
    "PUT /api/v1/me/sessions/{session_id}/feedback": MEMBER_ONLY,
    "GET /api/v1/sessions/{session_id}/feedback": GROUP,
    "GET /api/v1/groups/{group_id}/feedback": GROUP,
    "GET /my/sessions/{session_id}/feedback": MEMBER_ONLY,
    "POST /my/sessions/{session_id}/feedback": MEMBER_ONLY,
    "GET /api/v1/me/reminders": LOGIN,
    "PUT /api/v1/me/reminders": LOGIN,
    "GET /reminders/off/{token}": PUBLIC,
    "POST /reminders/off/{token}": PUBLIC,
    "POST /account/reminders": LOGIN,
    "GET /account/reminders": LOGIN,
    "GET /api/v1/me/export": MEMBER_ONLY,
    "POST /api/v1/members/{member_id}/erase": ADMIN_ONLY,
}

# Bodies valid enough that a refusal can only come from the access rules.
BODIES: dict[str, Any] = {
    "POST /api/v1/users": {
        "email": "x{n}@test.example",
        "display_name": "X",
        "role": "facilitator",
        "password": "long enough",
    },
    "POST /api/v1/members": {"display_name": "Someone"},
    "POST /api/v1/groups": {
        "name": "G",
        "kind": "support",
        "purposes": ["mutual-aid"],
        "capacity": 5,
        "timezone": "Asia/Jakarta",
    },
    "PATCH /api/v1/groups/{group_id}": {"description": "changed"},
    "POST /api/v1/groups/{group_id}/sessions": {
        "starts_at": "2030-01-07T10:00:00",
        "duration_minutes": 60,
    },
    "PATCH /api/v1/sessions/{session_id}": {"topic": "Changed"},
    "PUT /api/v1/sessions/{session_id}/attendance": {"records": []},
    "POST /api/v1/groups/{group_id}/members": {
        "member_id": "{spare_member_id}",
        "consent_given": True,
    },
    "POST /api/v1/groups/{group_id}/members/{member_id}/contacts": {"outcome": "reached"},
    "POST /api/v1/curricula": {
        "name": "Curriculum {n}",
        "language": "en",
        "steps": [{"code": "S1", "title": "Opening"}],
    },
    "PUT /api/v1/me/sessions/{session_id}/absence": {"reason": "sick"},
    "PUT /api/v1/me/reminders": {"enabled": True},
    "PUT /api/v1/me/sessions/{session_id}/feedback": {
        "ratings": {"heard": 4, "mattered": 4, "way-of-working": 4, "overall": 4}
    },
}
FORMS: dict[str, dict[str, str]] = {
    "POST /groups/new": {
        "name": "G",
        "kind": "support",
        "purposes": "mutual-aid",
        "capacity": "5",
        "timezone": "Asia/Jakarta",
    },
    "POST /groups/{group_id}/enrol": {"new_name": "Walk-in", "consent_given": "1"},
    "POST /groups/{group_id}/sessions": {"date": "2031-01-01", "time": "10:00", "duration": "5"},
    "POST /groups/{group_id}/sessions/{session_id}/cancel": {"cancel_reason": "Closed"},
    "POST /groups/{group_id}/sessions/{session_id}/reschedule": {
        "date": "2032-01-01",
        "time": "09:00",
    },
    "POST /sessions/{session_id}/roll": {},
    "POST /follow-up/{group_id}/{member_id}/contacts": {"outcome": "reached"},
    "POST /my/sessions/{session_id}/absence": {"reason": "sick"},
    "POST /admin/users": {
        "email": "y{n}@test.example",
        "display_name": "Y",
        "role": "facilitator",
        "password": "long enough",
    },
}
# Routes whose path names another record than the world's usual one: erasing the member who
# logs in as MEMBER would end that login for the routes after it.
PATH_PARAMS: dict[str, dict[str, str]] = {
    "POST /api/v1/members/{member_id}/erase": {"member_id": "spare_member_id"},
}
EXTRA_MATRICES: list[dict[str, frozenset[str]]] = []


def app_routes(app) -> set[str]:
    found = set()
    for route in app.routes:
        path = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)
        if path.startswith("/schema"):
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()):
                if method != "OPTIONS":
                    found.add(f"{method} {path}")
    return found


def full_matrix() -> dict[str, frozenset[str]]:
    merged = dict(MATRIX)
    for extra in EXTRA_MATRICES:
        merged.update(extra)
    return merged


async def test_every_route_has_a_decided_access_rule(app):
    missing = sorted(app_routes(app) - set(full_matrix()))
    assert not missing, f"routes without an entry in the access matrix: {missing}"
    stale = sorted(set(full_matrix()) - app_routes(app) - SITE_ROUTES)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


@pytest.fixture
async def world(make_actor, member_actor, new_group, new_member, enrol, facilitator, admin):
    group = await new_group(capacity=10)
    member, member_record = await member_actor()
    await enrol(group["id"], member_record["id"])
    spare = await new_member()
    outsider = await make_actor("facilitator")
    # An account the admin routes may deactivate and reset without logging anyone out.
    spare_account = await make_actor("facilitator")
    curriculum = (
        await admin.client.post(
            "/api/v1/curricula",
            json={"name": "Programme", "language": "id", "steps": [{"code": "1", "title": "A"}]},
        )
    ).json()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=7)
    rows = await Session.insert(
        Session(
            group=group["id"],
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            updated_at=start,
            location="Hall",
            topic="Opening",
        )
    ).returning(Session.id)
    from tests.conftest import http_client

    anonymous = http_client(facilitator.client._transport.app)  # type: ignore[attr-defined]
    clients = {
        ANON: anonymous,
        MEMBER: member.client,
        OUTSIDER: outsider.client,
        FACILITATOR: facilitator.client,
        ADMIN: admin.client,
    }
    params = {
        "group_id": group["id"],
        "member_id": member_record["id"],
        "spare_member_id": spare["id"],
        "session_id": rows[0]["id"],
        "file_path": "lingkar.css",
        "token": "not-a-real-token",
        "user_id": spare_account.id,
        "curriculum_id": curriculum["id"],
        "month": "2026-11",
    }
    yield clients, params
    await anonymous.aclose()


def refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.is_redirect and response.headers.get("location", "").endswith("/login")


def fill(value: Any, params: dict[str, Any], counter: int) -> Any:
    if isinstance(value, dict):
        return {k: fill(v, params, counter) for k, v in value.items()}
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in params:
            return params[value[1:-1]]
        return value.replace("{n}", str(counter))
    return value


async def test_each_role_gets_exactly_what_the_matrix_allows(app, world):
    clients, params = world
    counter = 0
    failures = []
    for route, allowed in sorted(full_matrix().items()):
        if route in OWN_TESTS:
            continue
        method, template = route.split(" ", 1)
        if route in SITE_ROUTES:
            continue  # served only when the site is built; see tests/e2e/test_site_pages.py
        renamed = {name: params[other] for name, other in PATH_PARAMS.get(route, {}).items()}
        path = template.format(**{**params, **renamed})
        for role in ROLES:
            counter += 1
            kwargs: dict[str, Any] = {}
            if route in BODIES:
                kwargs["json"] = fill(BODIES[route], params, counter)
            elif route in FORMS:
                kwargs["data"] = fill(FORMS[route], params, counter)
                kwargs["headers"] = {"x-csrftoken": clients[role].cookies.get("csrftoken", "")}
            elif method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = {}
            response = await clients[role].request(method, path, **kwargs)
            assert response.status_code < 500, (route, role, response.text)
            if role in allowed and refused(response):
                failures.append(f"{route}: {role} was refused ({response.status_code})")
            if role not in allowed and not (refused(response) or response.status_code == 404):
                failures.append(f"{route}: {role} got through ({response.status_code})")
    assert not failures, "\n".join(failures)


async def test_home_sends_each_role_to_its_start_page(world):
    clients, _ = world
    expected = {
        ANON: "/login",
        MEMBER: "/my",
        OUTSIDER: "/dashboard",
        FACILITATOR: "/dashboard",
        ADMIN: "/dashboard",
    }
    for role, target in expected.items():
        response = await clients[role].get("/")
        assert response.is_redirect and response.headers["location"].endswith(target), role
