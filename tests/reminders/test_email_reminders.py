"""Email reminders against a real local SMTP server (aiosmtpd): one per member and session
whatever the number of senders and restarts, in the recipient's language, with a working
unsubscribe link; a daily digest for facilitators of rolls not taken."""

from __future__ import annotations

import asyncio
import re
import smtplib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest

from backend.reminders import service as reminders
from backend.reminders.tables import ReminderSent
from tests.attendance.conftest import days_ago


@pytest.fixture
def settings(settings, inbox):
    """The application's settings with the local SMTP server and a quick sender."""
    _, port = inbox
    return replace(settings, smtp_url=f"smtp://127.0.0.1:{port}", reminder_interval=0.2)


def body(message: Message) -> str:
    return message.get_content()


async def wait_for(check, limit: float = 30.0) -> None:
    """Wait until ``check()`` holds (the background sender works on its own schedule)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        assert loop.time() < deadline, "the background sender sent nothing"
        await asyncio.sleep(0.05)


async def test_one_reminder_per_member_and_session_across_senders_and_restarts(
    app, settings, inbox, facilitator, new_group, new_member, member_actor, enrol, make_sessions
):
    box, _port = inbox
    group = await new_group(name="Kelompok Mawar")
    ani = await new_member("Ani", email="ani@example.test", language="id")
    budi = await new_member("Budi", email="budi@example.test", language="en")
    citra = await new_member("Citra")  # no email, no login: nothing to send to
    dedi, dedi_record = await member_actor("Dedi")  # turns reminders off
    for wrong in (0, "false", None):
        refused = await dedi.client.put("/api/v1/me/reminders", json={"enabled": wrong})
        assert refused.status_code == 400 and refused.json()["field"] == "enabled"
    off = await dedi.client.put("/api/v1/me/reminders", json={"enabled": False})
    assert off.status_code == 200 and off.json() == {"enabled": False}
    for member in (ani, budi, citra, dedi_record):
        await enrol(group["id"], member["id"], joined_on=days_ago(30).date().isoformat())
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    (due,) = await make_sessions(group["id"], [soon])
    (later,) = await make_sessions(group["id"], [soon + timedelta(days=3)])
    (cancelled,) = await make_sessions(group["id"], [soon + timedelta(hours=4)], status="cancelled")
    secret = app.state.secret_key

    # Two more senders beside the server's own, then the server restarts and they run again.
    await asyncio.gather(reminders.send_due(settings, secret), reminders.send_due(settings, secret))
    await reminders.stop(app.state.reminder_task)
    app.state.reminder_task = reminders.start(settings, secret)
    await reminders.send_due(settings, secret)
    await wait_for(lambda: len(box.to("budi@example.test")) >= 1)
    await asyncio.sleep(0.5)  # let the restarted server's sender run a few rounds too

    sessions = await ReminderSent.select(ReminderSent.key).where(ReminderSent.key.like("session:%"))
    assert sorted(r["key"] for r in sessions) == sorted(
        [f"session:{due}:member:{ani['id']}", f"session:{due}:member:{budi['id']}"]
    )
    assert len(box.to("ani@example.test")) == 1
    assert len(box.to("budi@example.test")) == 1
    assert not [m for m in box.messages if "Citra" in body(m) or "Dedi" in body(m)]
    assert not [m for m in box.messages if f"/{later}" in body(m) or f"/{cancelled}" in body(m)]

    (to_ani,) = box.to("ani@example.test")
    assert to_ani["Subject"].startswith("Pengingat: Kelompok Mawar")
    assert to_ani["Content-Language"] == "id"
    assert "Halo Ani" in body(to_ani)
    (to_budi,) = box.to("budi@example.test")
    assert to_budi["Subject"].startswith("Reminder: Kelompok Mawar")

    # The unsubscribe link works without logging in, and no reminder follows.
    link = re.search(r"<(http[^>]+)>", to_ani["List-Unsubscribe"]).group(1)
    assert link in body(to_ani)
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = app_client(app)
    async with anonymous:
        page = await anonymous.get(f"/{path}")
        assert page.status_code == 200 and 'method="post"' in page.text
        token = anonymous.cookies.get("csrftoken", "")
        done = await anonymous.post(f"/{path}", data={}, headers={"x-csrftoken": token})
        assert done.status_code == 303
        forged = await anonymous.get(f"/{path[:-3]}xyz")
        assert forged.status_code == 200 and "not valid" in forged.text
    await make_sessions(group["id"], [soon + timedelta(hours=1)])
    await reminders.send_due(settings, secret)
    assert len(box.to("ani@example.test")) == 1
    assert len(box.to("budi@example.test")) == 2


async def test_facilitators_get_one_digest_a_day_of_rolls_awaiting(
    app, settings, inbox, facilitator, new_group, make_sessions
):
    box, _port = inbox
    group = await new_group(name="Tuesday circle")
    await make_sessions(group["id"], [days_ago(2), days_ago(1)])
    secret = app.state.secret_key
    await reminders.send_due(settings, secret)
    await reminders.send_due(settings, secret)
    await wait_for(lambda: len(box.to(facilitator.user.email)) >= 1)
    await asyncio.sleep(0.5)
    (digest,) = box.to(facilitator.user.email)
    assert digest["Subject"] == "2 sessions are waiting for a roll call"
    assert body(digest).count("/roll") == 2 and "Tuesday circle" in body(digest)
    assert digest["List-Unsubscribe"]
    # Turned off on the dashboard: tomorrow's digest does not come.
    page = await facilitator.client.get("/dashboard")
    assert 'action="/account/reminders"' in page.text
    switched = await facilitator.client.post(
        "/account/reminders",
        data={"enabled": "0"},
        headers={"x-csrftoken": facilitator.client.cookies.get("csrftoken", "")},
    )
    assert switched.status_code == 303
    assert (await facilitator.client.get("/api/v1/me/reminders")).json() == {"enabled": False}
    await reminders.send_due(settings, secret, at=datetime.now(UTC) + timedelta(days=1))
    assert len(box.to(facilitator.user.email)) == 1


async def test_a_failed_send_is_tried_again_and_then_sent_once(
    app, settings, inbox, facilitator, new_group, new_member, enrol, make_sessions
):
    box, _port = inbox
    await reminders.stop(app.state.reminder_task)  # this test is the only sender
    app.state.reminder_task = None
    group = await new_group()
    eka = await new_member("Eka", email="eka@example.test")
    await enrol(group["id"], eka["id"], joined_on=days_ago(30).date().isoformat())
    (sid,) = await make_sessions(group["id"], [datetime.now(UTC) + timedelta(hours=2)])

    def broken(url: str, message: object) -> None:
        raise smtplib.SMTPServerDisconnected("gone")

    failed = await reminders.send_due(settings, app.state.secret_key, send=broken)
    assert failed["session"] == 0 and box.to("eka@example.test") == []
    row = await ReminderSent.select().where(ReminderSent.key == f"session:{sid}:member:{eka['id']}")
    assert row[0]["attempts"] == 1 and row[0]["claim"] is None and row[0]["sent_at"] is None
    # Not before its next attempt is due; then once.
    await reminders.send_due(settings, app.state.secret_key)
    assert box.to("eka@example.test") == []
    later = datetime.now(UTC) + timedelta(minutes=6)
    await reminders.send_due(settings, app.state.secret_key, at=later)
    await reminders.send_due(settings, app.state.secret_key, at=later)
    assert len(box.to("eka@example.test")) == 1


def app_client(app):
    from tests.conftest import http_client

    return http_client(app)
