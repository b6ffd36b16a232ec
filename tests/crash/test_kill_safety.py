"""Crash safety: the server (granian's main process and its workers, the whole process group) is
killed with SIGKILL in the middle of a stream of writes, as a crash of the machine would; no
process of it is alive when it restarts; every write it acknowledged is there, and SQLite's
integrity check is ok."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import (
    PASSWORD,
    POSTGRES_URL,
    group_alive,
    kill_server,
    server_env,
    start_server,
)

STATUSES = ("present", "late", "excused", "absent")


class Target:
    """One server process at a time on one database, and the facts needed to write to it."""

    def __init__(self, var_dir: Path, database_url: str | None) -> None:
        self.env = server_env(var_dir, database_url)
        self.url = f"http://127.0.0.1:{self.env['LINGKAR_PORT']}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = start_server(self.env)

    def kill(self) -> None:
        """SIGKILL to every process of the server at once; returns when none is alive."""
        assert self.process is not None
        kill_server(self.process)
        assert group_alive(self.process.pid) == []

    def client(self, email: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=10)
        client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ).raise_for_status()
        client.get("/api/v1/me")
        client.headers["x-csrftoken"] = client.cookies.get("csrftoken", "")
        return client

    def prepare(self) -> tuple[str, int, list[int], list[int]]:
        """A facilitator, a group of 15 members and 40 past weekly sessions."""
        email = f"crash-{random.randrange(10**9)}@test.example"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "backend.cli",
                "create-user",
                "--email",
                email,
                "--name",
                "Crash",
                "--role",
                "facilitator",
            ],
            input=PASSWORD + "\n",
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        client = self.client(email)
        group = client.post(
            "/api/v1/groups",
            json={
                "name": "Crash circle",
                "kind": "support",
                "purposes": ["mutual-aid"],
                "capacity": 20,
                "timezone": "Asia/Jakarta",
            },
        ).json()
        members = []
        for index in range(15):
            member = client.post("/api/v1/members", json={"display_name": f"M{index}"}).json()
            client.post(
                f"/api/v1/groups/{group['id']}/members",
                json={"member_id": member["id"], "consent_given": True, "joined_on": "2024-01-01"},
            )
            members.append(member["id"])
        created = client.post(
            f"/api/v1/groups/{group['id']}/sessions",
            json={
                "first_starts_at": "2024-02-01T10:00:00",
                "duration_minutes": 90,
                "rrule": "FREQ=WEEKLY;COUNT=40",
            },
        )
        assert created.status_code == 201, created.text
        sessions = [s["id"] for s in created.json()["sessions"]]
        client.close()
        return email, group["id"], members, sessions


def roll_for(members: list[int], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [{"member_id": m, "status": rng.choice(STATUSES)} for m in members]


@dataclass
class Stream:
    """What became of a stream of writes: the indexes the server acknowledged, and those it
    may or may not have stored (sent, but the answer was lost when it died, or not a 2xx)."""

    acknowledged: list[int] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)

    def expected(self, writes: list[tuple[str, str, dict]]) -> dict[str, list[dict]]:
        """For each path acknowledged at least once: the bodies it may hold now — the last
        acknowledged one, or one sent after it whose answer never came."""
        last: dict[str, int] = {}
        for index in self.acknowledged:
            last[writes[index][1]] = index
        allowed = {path: [writes[index][2]] for path, index in last.items()}
        for index in self.unanswered:
            path = writes[index][1]
            if path in last and index > last[path]:
                allowed[path].append(writes[index][2])
        return allowed


def stream_until_killed(
    target: Target, email: str, writes: list[tuple[str, str, dict]], kill_after: int
) -> Stream:
    """Send writes one after another while killing the server after ``kill_after`` acks."""
    stream = Stream()
    client = target.client(email)
    killer = threading.Timer(0, lambda: None)

    def send_all() -> None:
        for index, (method, path, body) in enumerate(writes):
            try:
                response = client.request(method, path, json=body)
            except httpx.HTTPError:
                stream.unanswered.append(index)  # in flight when the server died
                return
            if response.status_code < 300:
                stream.acknowledged.append(index)
            else:
                stream.unanswered.append(index)
            if len(stream.acknowledged) == kill_after:
                nonlocal killer
                killer = threading.Timer(0.005, target.kill)
                killer.start()

    sender = threading.Thread(target=send_all)
    sender.start()
    sender.join(timeout=120)
    killer.join()
    client.close()
    target.kill()  # if the stream ended before the kill: a no-op once it has happened
    return stream


def check_rolls(target: Target, email: str, writes: list[tuple[str, str, dict]], stream: Stream):
    client = target.client(email)
    for path, bodies in stream.expected(writes).items():
        stored = client.get(path).json()
        got = {(r["member_id"], r["status"]) for r in stored["records"]}
        allowed = [{(r["member_id"], r["status"]) for r in body["records"]} for body in bodies]
        assert got in allowed, path
    client.close()


def sqlite_integrity(target: Target) -> str:
    with sqlite3.connect(target.env["LINGKAR_DATABASE_URL"]) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_roll_calls_survive_sigkill(tmp_path: Path, backend: str) -> None:
    if backend == "postgres" and not POSTGRES_URL:
        pytest.skip("LINGKAR_TEST_POSTGRES_URL is not set")
    rounds = 10
    target = Target(tmp_path, POSTGRES_URL if backend == "postgres" else None)
    target.start()
    email, _, members, sessions = target.prepare()
    rng = random.Random(7)
    for round_number in range(rounds):
        # The server is up: stream rolls at it and kill it after a few acknowledgements.
        writes = [
            (
                "PUT",
                f"/api/v1/sessions/{rng.choice(sessions)}/attendance",
                {"records": roll_for(members, round_number * 1000 + i)},
            )
            for i in range(60)
        ]
        stream = stream_until_killed(target, email, writes, kill_after=rng.randint(5, 25))
        assert stream.acknowledged, "the server acknowledged nothing before it was killed"
        assert stream.unanswered, "the server answered every write: it was not killed"
        if backend == "sqlite":
            assert sqlite_integrity(target) == "ok"
        # Restarted: every acknowledged roll is there; the next round streams at this server.
        target.start()
        check_rolls(target, email, writes, stream)
    target.kill()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_schedule_changes_survive_sigkill(tmp_path: Path, backend: str) -> None:
    if backend == "postgres" and not POSTGRES_URL:
        pytest.skip("LINGKAR_TEST_POSTGRES_URL is not set")
    target = Target(tmp_path, POSTGRES_URL if backend == "postgres" else None)
    target.start()
    email, _, _, sessions = target.prepare()
    writes = [
        ("PATCH", f"/api/v1/sessions/{sessions[i % len(sessions)]}", {"topic": f"Topic {i}"})
        for i in range(80)
    ]
    stream = stream_until_killed(target, email, writes, kill_after=30)
    assert len(stream.acknowledged) >= 30
    assert stream.unanswered, "the server answered every write: it was not killed"
    target.start()
    client = target.client(email)
    for path, bodies in stream.expected(writes).items():
        assert client.get(path).json()["topic"] in [body["topic"] for body in bodies], path
    client.close()
    target.kill()
    if backend == "sqlite":
        assert sqlite_integrity(target) == "ok"
