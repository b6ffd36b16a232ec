"""The reminder sender inside real server processes: two granian workers each run it, the server
is stopped and started again, and every member still gets exactly one reminder per session."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.conftest import LiveServer, server_env, start_server, stop_server


def wait_until(check, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, "the server's sender sent nothing"
        time.sleep(0.1)


def test_two_workers_and_a_restart_send_one_reminder_per_member_and_session(
    inbox, database_url, tmp_path
):
    box, port = inbox
    env = server_env(
        tmp_path,
        database_url,
        LINGKAR_SMTP_URL=f"smtp://127.0.0.1:{port}",
        LINGKAR_REMINDER_INTERVAL="1",
        LINGKAR_WORKERS="2",
    )
    process = start_server(env)
    try:
        server = LiveServer(url=f"http://127.0.0.1:{env['LINGKAR_PORT']}", env=env, process=process)
        account = server.account("facilitator")
        api = server.api(*account)
        group = api.post(
            "/api/v1/groups",
            json={
                "name": "Kelompok Melati",
                "kind": "support",
                "purposes": ["mutual-aid"],
                "capacity": 10,
                "timezone": "Asia/Jakarta",
            },
        ).json()
        addresses = ["sari@example.test", "tono@example.test"]
        for number, address in enumerate(addresses):
            member = api.post(
                "/api/v1/members", json={"display_name": f"Person {number}", "email": address}
            ).json()
            api.post(
                f"/api/v1/groups/{group['id']}/members",
                json={"member_id": member["id"], "consent_given": True},
            ).raise_for_status()
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
        api.post(
            f"/api/v1/groups/{group['id']}/sessions",
            json={"starts_at": soon.isoformat(), "duration_minutes": 60, "topic": "First"},
        ).raise_for_status()
        wait_until(lambda: all(box.to(a) for a in addresses))

        stop_server(process)
        process = start_server(env)
        server.process = process
        api = server.api(*account)
        api.post(
            f"/api/v1/groups/{group['id']}/sessions",
            json={
                "starts_at": (soon + timedelta(hours=3)).isoformat(),
                "duration_minutes": 60,
                "topic": "Second",
            },
        ).raise_for_status()
        # The restarted server's rounds reach the second session's reminders; by then they
        # have passed the first session's again.
        wait_until(lambda: all(len(box.to(a)) >= 2 for a in addresses))
        time.sleep(2.5)  # a few more rounds of both workers: nothing more may come
    finally:
        stop_server(process)
    for address in addresses:
        topics = sorted(
            "First" if "First" in m.get_content() else "Second" for m in box.to(address)
        )
        assert topics == ["First", "Second"], (address, topics)
