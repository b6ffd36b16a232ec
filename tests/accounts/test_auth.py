from __future__ import annotations

import pytest

from backend.accounts.service import AccountThrottle
from tests.conftest import PASSWORD, http_client


async def test_login_sets_httponly_samesite_cookie_and_me_answers(app, facilitator):
    async with http_client(app) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": facilitator.user.email, "password": PASSWORD}
        )
        assert response.status_code == 200
        cookie = response.headers["set-cookie"].lower()
        assert "lingkar_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie
        me = (await client.get("/api/v1/me")).json()
        assert me == {
            "id": facilitator.id,
            "email": facilitator.user.email,
            "display_name": facilitator.user.display_name,
            "role": "facilitator",
            "member_id": None,
        }


async def test_secure_cookie_when_configured(settings, facilitator):
    from dataclasses import replace

    from backend.app import create_app

    secure_app = create_app(replace(settings, cookie_secure=True))
    async with http_client(secure_app) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": facilitator.user.email, "password": PASSWORD}
        )
    assert "secure" in response.headers["set-cookie"].lower()


async def test_wrong_password_and_unknown_email_look_the_same(client, facilitator):
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": facilitator.user.email, "password": "nope-nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"email": "nobody@test.example", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_logout_ends_the_session_on_the_server(app, facilitator):
    token = facilitator.client.cookies.get("lingkar_session")
    response = await facilitator.client.post("/api/v1/auth/logout")
    assert response.status_code == 204
    async with http_client(app) as replay:
        replay.cookies.set("lingkar_session", token)
        assert (await replay.get("/api/v1/me")).status_code == 401


async def test_login_rotates_the_session_id(app, facilitator):
    first = facilitator.client.cookies.get("lingkar_session")
    response = await facilitator.client.post(
        "/api/v1/auth/login", json={"email": facilitator.user.email, "password": PASSWORD}
    )
    second = response.cookies.get("lingkar_session")
    assert second and second != first
    async with http_client(app) as replay:
        replay.cookies.set("lingkar_session", first)
        assert (await replay.get("/api/v1/me")).status_code == 401


async def test_failed_logins_per_account_are_throttled(app, client, facilitator):
    app.state.throttle = AccountThrottle(limit=3, window_seconds=60)
    for _ in range(3):
        response = await client.post(
            "/api/v1/auth/login", json={"email": facilitator.user.email, "password": "wrong-one"}
        )
        assert response.status_code == 401
    blocked = await client.post(
        "/api/v1/auth/login", json={"email": facilitator.user.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1


async def test_login_attempts_per_address_are_rate_limited(settings, facilitator):
    from dataclasses import replace

    from backend.app import create_app

    strict_app = create_app(replace(settings, login_attempts_per_minute=2))
    async with http_client(strict_app) as client:
        body = {"email": "someone@test.example", "password": "whatever1"}
        statuses = [
            (await client.post("/api/v1/auth/login", json=body)).status_code for _ in range(3)
        ]
        # other endpoints are not limited by the login limit
        purposes = await client.get("/api/v1/purposes")
    assert statuses == [401, 401, 429]
    assert purposes.status_code == 200


async def test_admin_creates_facilitator_who_can_log_in(admin, client):
    response = await admin.client.post(
        "/api/v1/users",
        json={
            "email": "New.Person@Test.example",
            "display_name": "New Person",
            "role": "facilitator",
            "password": "long enough pw",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "new.person@test.example"
    assert "password" not in response.text and "hash" not in response.text
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": "new.person@test.example", "password": "long enough pw"},
    )
    assert login.status_code == 200
    duplicate = await admin.client.post(
        "/api/v1/users",
        json={
            "email": "new.person@test.example",
            "display_name": "Again",
            "role": "facilitator",
            "password": "long enough pw",
        },
    )
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "email"


async def test_member_with_login_points_at_its_record(client, facilitator):
    created = await facilitator.client.post(
        "/api/v1/members",
        json={"display_name": "Sari", "email": "sari@test.example", "password": "member pass 1"},
    )
    assert created.status_code == 201
    assert created.json()["has_login"] is True
    await client.post(
        "/api/v1/auth/login", json={"email": "sari@test.example", "password": "member pass 1"}
    )
    me = (await client.get("/api/v1/me")).json()
    assert me["role"] == "member" and me["member_id"] == created.json()["id"]


async def test_writes_without_csrf_token_are_refused(app, facilitator):
    async with http_client(app) as client:
        client.cookies.set("lingkar_session", facilitator.client.cookies.get("lingkar_session"))
        response = await client.post("/api/v1/groups", json={"name": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/purposes", "/login", "/schema/openapi.json"])
async def test_security_headers(client, path):
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"


async def test_purposes_are_public_and_in_the_sources_order(client):
    response = await client.get("/api/v1/purposes")
    assert response.status_code == 200
    body = response.json()
    assert [p["code"] for p in body] == [
        "mutual-aid",
        "skills-and-differences",
        "reduce-isolation",
        "social-change",
        "movement-arena",
        "identity-and-movement",
    ]
    assert [p["number"] for p in body] == [1, 2, 3, 4, 5, 6]
    assert all(p["title"] and p["summary"] for p in body)
