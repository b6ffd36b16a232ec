from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from litestar import Litestar

from backend.accounts import throttle
from backend.accounts.tables import LoginThrottle
from tests.conftest import PASSWORD, http_client


def client_from(app: Litestar, address: str) -> httpx.AsyncClient:
    """A client of ``app`` whose requests come from ``address``."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 50000)),
        base_url="http://testserver.local",
    )


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


def assert_retry_after(response: httpx.Response, most: int) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= most


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
            "language": None,
            "must_change_password": False,
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


async def test_the_sixth_wrong_password_from_one_address_is_refused_not_the_owner(app, facilitator):
    email = facilitator.user.email
    async with client_from(app, "203.0.113.7") as stranger, client_from(app, "10.1.1.1") as owner:
        for _ in range(5):
            assert (await log_in(stranger, email, "wrong-one")).status_code == 401
        # The right password too: from this address the account is locked for 15 minutes.
        assert_retry_after(await log_in(stranger, email, PASSWORD), 15 * 60)
        assert_retry_after(await log_in(stranger, email, "wrong-one"), 15 * 60)
        assert (await log_in(owner, email, PASSWORD)).status_code == 200
        assert (await log_in(owner, email, "wrong-one")).status_code == 401


async def test_a_burst_of_wrong_passwords_gets_five_checked(app, facilitator):
    email = facilitator.user.email
    async with client_from(app, "203.0.113.8") as stranger:
        responses = await asyncio.gather(*[log_in(stranger, email, f"guess {n}") for n in range(9)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 5 + [429] * 4
    for response in responses:
        if response.status_code == 429:
            assert_retry_after(response, 15 * 60)


async def test_a_successful_login_forgets_that_address_failures(app, facilitator):
    email = facilitator.user.email
    async with client_from(app, "10.1.1.2") as owner:
        for _ in range(4):
            assert (await log_in(owner, email, "typo")).status_code == 401
        assert (await log_in(owner, email, PASSWORD)).status_code == 200
        statuses = [(await log_in(owner, email, "typo")).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


async def test_failures_from_every_address_together_are_capped(app, facilitator, monkeypatch):
    # The cap is 50; 10 (two addresses' worth) shows the same rule with fewer password checks.
    monkeypatch.setattr(throttle, "FAILURES_PER_ACCOUNT", 10)
    email = facilitator.user.email
    per_address = throttle.FAILURES_PER_ACCOUNT_AND_ADDRESS
    addresses = throttle.FAILURES_PER_ACCOUNT // per_address
    for number in range(addresses):
        async with client_from(app, f"198.51.100.{number + 1}") as guesser:
            results = await asyncio.gather(
                *[log_in(guesser, email, f"guess {n}") for n in range(per_address)]
            )
            assert [r.status_code for r in results] == [401] * per_address
    async with client_from(app, "10.1.1.3") as owner:
        assert_retry_after(await log_in(owner, email, PASSWORD), 15 * 60)
    # Another account is not affected.
    async with client_from(app, "10.1.1.4") as other:
        assert (await log_in(other, "someone-else@test.example", "nope")).status_code == 401


async def test_login_attempts_per_address_are_rate_limited(settings, facilitator):
    from dataclasses import replace

    from backend.app import create_app

    strict_app = create_app(replace(settings, login_attempts_per_minute=2))
    async with client_from(strict_app, "192.0.2.10") as client:
        body = {"email": "someone@test.example", "password": "whatever1"}
        responses = [await client.post("/api/v1/auth/login", json=body) for _ in range(3)]
        # The page login counts in the same limit and says so the same way.
        await client.get("/login")
        page = await client.post(
            "/login",
            data={"email": facilitator.user.email, "password": PASSWORD},
            headers={"x-csrftoken": client.cookies.get("csrftoken", "")},
        )
        # other endpoints are not limited by the login limit
        purposes = await client.get("/api/v1/purposes")
    assert [r.status_code for r in responses] == [401, 401, 429]
    assert_retry_after(responses[2], 60)
    assert responses[2].headers["content-type"].startswith("application/problem+json")
    assert_retry_after(page, 60)
    assert "Too many login attempts" in page.text
    assert purposes.status_code == 200
    async with client_from(strict_app, "10.1.1.5") as elsewhere:
        assert (await log_in(elsewhere, facilitator.user.email, PASSWORD)).status_code == 200


async def test_ended_windows_are_pruned(app, facilitator):
    long_ago = int(time.time()) - 16 * 60
    await LoginThrottle.insert(
        LoginThrottle(bucket="address:old", hits=3, window_start=long_ago),
        LoginThrottle(bucket="account:old", hits=9, window_start=long_ago),
    )
    async with client_from(app, "10.1.1.6") as client:
        assert (await log_in(client, facilitator.user.email, PASSWORD)).status_code == 200
    buckets = {row["bucket"] for row in await LoginThrottle.select(LoginThrottle.bucket)}
    assert "address:old" not in buckets and "account:old" not in buckets
    assert any(bucket.startswith("address:") for bucket in buckets)


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
    assert not {"password", "password_hash"} & set(response.json())
    assert "hash" not in response.text
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
