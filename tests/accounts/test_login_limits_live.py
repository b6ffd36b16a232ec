"""Against a real server with two worker processes: the login limits hold for the deployment,
whichever worker answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD, LiveServer, server_env, start_server, stop_server


@pytest.fixture
def server(tmp_path: Path, database_url: str):
    env = server_env(
        tmp_path,
        database_url,
        LINGKAR_WORKERS="2",
        LINGKAR_LOGIN_ATTEMPTS_PER_MINUTE="10",
    )
    process = start_server(env)
    live = LiveServer(url=f"http://127.0.0.1:{env['LINGKAR_PORT']}", env=env, process=process)
    yield live
    stop_server(process)


def attempt(server: LiveServer, source: str, email: str, password: str) -> httpx.Response:
    """One login on a connection of its own from the local address ``source``."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=server.url, transport=transport, timeout=60) as client:
        return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def burst(server: LiveServer, logins: list[tuple[str, str, str]]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(logins)) as pool:
        return list(pool.map(lambda login: attempt(server, *login), logins))


def assert_refused(response: httpx.Response, most: int) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= most


@pytest.mark.slow
def test_the_eleventh_attempt_in_a_minute_from_one_address_is_refused(server: LiveServer):
    # 25 attempts at once, each on its own connection, so both workers answer some.
    responses = burst(
        server, [("127.0.0.3", f"nobody{n}@test.example", "wrong") for n in range(25)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 10 + [429] * 15
    for response in responses:
        if response.status_code == 429:
            assert_refused(response, 60)
    # Sequential attempts after the burst are refused too, by either worker.
    for n in range(4):
        assert_refused(attempt(server, "127.0.0.3", f"late{n}@test.example", "wrong"), 60)


@pytest.mark.slow
def test_the_sixth_wrong_password_is_refused_while_the_owner_logs_in_elsewhere(
    server: LiveServer,
):
    email, _ = server.account("facilitator")
    responses = burst(server, [("127.0.0.1", email, f"guess {n}") for n in range(9)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 5 + [429] * 4
    for response in responses:
        if response.status_code == 429:
            assert_refused(response, 15 * 60)
    # From that address even the right password waits; from the owner's own it works.
    assert_refused(attempt(server, "127.0.0.1", email, PASSWORD), 15 * 60)
    owner = attempt(server, "127.0.0.2", email, PASSWORD)
    assert owner.status_code == 200, owner.text
    assert owner.json()["email"] == email
