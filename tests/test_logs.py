"""Nothing secret reaches the logs: passwords, session tokens and confidential notes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from backend.scheduling.tables import Session
from tests.conftest import PASSWORD

NOTE = "NOTE-SECRET-7f3a: disclosed a family matter"


async def test_passwords_tokens_and_notes_stay_out_of_the_logs(
    caplog, client, facilitator, new_group, new_member, enrol
):
    caplog.set_level(logging.DEBUG)
    group = await new_group()
    member = await new_member(email="logged@test.example", password="member secret pw")
    await enrol(group["id"], member["id"], joined_on="2025-01-01")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    session = (
        await Session.insert(
            Session(
                group=group["id"],
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                updated_at=start,
            )
        ).returning(Session.id)
    )[0]["id"]
    roll = {"records": [{"member_id": member["id"], "status": "present", "note": NOTE}]}
    saved = await facilitator.client.put(f"/api/v1/sessions/{session}/attendance", json=roll)
    assert saved.status_code == 200, saved.text
    too_long = {"records": [{"member_id": member["id"], "status": "present", "note": NOTE * 100}]}
    assert (
        await facilitator.client.put(f"/api/v1/sessions/{session}/attendance", json=too_long)
    ).status_code == 400
    await client.post(
        "/api/v1/auth/login", json={"email": "logged@test.example", "password": "member secret pw"}
    )
    await client.post(
        "/api/v1/auth/login", json={"email": "logged@test.example", "password": "wrong secret pw"}
    )
    token = facilitator.client.cookies.get("lingkar_session")

    logged = caplog.text
    assert logged, "the test should capture some log output"
    for secret in (NOTE, "NOTE-SECRET", "member secret pw", "wrong secret pw", PASSWORD, token):
        assert secret not in logged, f"{secret!r} appeared in the logs"
