"""Against a real server: refusing a rule that never matches does not hold up other requests."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import GROUP_BODY, LiveServer, server_env, start_server, stop_server

NEVER_MATCHING = {
    "first_starts_at": "2027-01-04T10:00:00",
    "duration_minutes": 60,
    "rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",
}


@pytest.fixture
def server(tmp_path: Path, database_url: str):
    env = server_env(tmp_path, database_url)
    process = start_server(env)
    live = LiveServer(url=f"http://127.0.0.1:{env['LINGKAR_PORT']}", env=env, process=process)
    yield live
    for client in live.clients:
        client.close()
    stop_server(process)


@pytest.mark.slow
def test_purposes_answer_quickly_while_a_never_matching_rule_is_refused(server: LiveServer):
    email, password = server.account("facilitator")
    api = server.api(email, password)
    group = api.post("/api/v1/groups", json=GROUP_BODY)
    assert group.status_code == 201, group.text
    sessions_path = f"/api/v1/groups/{group.json()['id']}/sessions"

    refusals: list[tuple[int, str | None, float]] = []
    done = threading.Event()

    def refuse_rules() -> None:
        with httpx.Client(base_url=server.url, timeout=30, cookies=api.cookies) as writer:
            writer.headers["x-csrftoken"] = api.headers["x-csrftoken"]
            for _ in range(10):
                started = time.perf_counter()
                response = writer.post(sessions_path, json=NEVER_MATCHING)
                elapsed = time.perf_counter() - started
                refusals.append((response.status_code, response.json().get("field"), elapsed))
        done.set()

    latencies: list[float] = []
    writer = threading.Thread(target=refuse_rules)
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        anonymous.get("/api/v1/purposes").raise_for_status()  # connection opened beforehand
        writer.start()
        while not done.is_set() or len(latencies) < 20:
            started = time.perf_counter()
            response = anonymous.get("/api/v1/purposes")
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
    writer.join()

    assert [(status, field) for status, field, _ in refusals] == [(422, "rrule")] * 10
    assert max(seconds for _, _, seconds in refusals) < 1.0, refusals
    assert max(latencies) < 0.1, f"slowest purposes answer: {max(latencies) * 1000:.0f} ms"
