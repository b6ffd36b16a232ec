"""'I can't come': a member excuses themselves ahead of a session, through the roll's write
path (audited, kept figures maintained), and the facilitator sees it on the roll page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from backend.attendance.tables import AttendanceAudit
from backend.scheduling.tables import Session
from tests.attendance.conftest import days_ago


def form_headers(actor):
    return {"x-csrftoken": actor.client.cookies.get("csrftoken", "")}


def absence(session_id: int) -> str:
    return f"/api/v1/me/sessions/{session_id}/absence"


def in_days(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


async def _world(member_actor, new_group, enrol, make_sessions, names=("Ani", "Budi")):
    group = await new_group()
    people = [await member_actor(name) for name in names]
    for _actor, record in people:
        await enrol(group["id"], record["id"], joined_on=days_ago(30).date().isoformat())
    return group, people


async def test_a_member_says_ahead_changes_and_withdraws_and_the_roll_shows_it(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    group, [(ani, ani_record), _] = await _world(member_actor, new_group, enrol, make_sessions)
    (sid,) = await make_sessions(group["id"], [in_days(2)])

    said = await ani.client.put(absence(sid), json={"reason": "sick"})
    assert said.status_code == 200, said.text
    assert said.json() == {"session_id": sid, "status": "excused", "reason": "sick"}
    roll = (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).json()
    assert roll["roll_taken_at"] is None
    assert [(r["member_id"], r["status"], r["reason"]) for r in roll["records"]] == [
        (ani_record["id"], "excused", "sick")
    ]
    # The roll page, before the start: already marked, with the reason, in both languages.
    page = await facilitator.client.get(f"/sessions/{sid}/roll")
    assert "Ani" in page.text and "Excused" in page.text and "Sick" in page.text
    page_id = await facilitator.client.get(f"/sessions/{sid}/roll?lang=id")
    assert "Izin" in page_id.text and "Sakit" in page_id.text

    changed = await ani.client.put(absence(sid), json={"reason": "permission"})
    assert changed.json()["reason"] == "permission"
    again = await ani.client.put(absence(sid), json={"reason": "permission"})
    assert again.status_code == 200
    history = (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance/history")).json()
    entries = history["entries"]
    assert len(entries) == 2  # the repeat changed nothing and is not audited
    assert entries[0]["before"] is None and entries[0]["after"]["reason"] == "sick"
    assert entries[1]["after"] == {
        "note": None,
        "participation": None,
        "purposes": [],
        "reason": "permission",
        "status": "excused",
    }
    assert all(e["changed_by"] == ani.id for e in entries)
    mine = (await ani.client.get("/api/v1/me/attendance")).json()
    assert [(r["session_id"], r["status"], r["reason"]) for r in mine["records"]] == [
        (sid, "excused", "permission")
    ]
    assert mine["summary"]["held"] == 0  # an absence ahead is not a held session

    withdrawn = await ani.client.delete(absence(sid))
    assert withdrawn.status_code == 204
    roll = (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).json()
    assert roll["records"] == []
    assert await AttendanceAudit.count().where(AttendanceAudit.session == sid) == 3
    # Withdrawing what is not there changes nothing.
    assert (await ani.client.delete(absence(sid))).status_code == 204
    assert await AttendanceAudit.count().where(AttendanceAudit.session == sid) == 3


async def test_after_the_start_cancelled_or_another_group_is_refused(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    group, [(ani, _), _] = await _world(member_actor, new_group, enrol, make_sessions)
    (started,) = await make_sessions(group["id"], [datetime.now(UTC) - timedelta(minutes=5)])
    (cancelled,) = await make_sessions(group["id"], [in_days(3)], status="cancelled")
    other = await new_group(name="Another circle")
    (elsewhere,) = await make_sessions(other["id"], [in_days(3)])
    (upcoming,) = await make_sessions(group["id"], [in_days(3)])

    late = await ani.client.put(absence(started), json={"reason": "sick"})
    assert late.status_code == 409 and late.json()["code"] == "session_started"
    assert (await ani.client.delete(absence(started))).json()["code"] == "session_started"
    off = await ani.client.put(absence(cancelled), json={"reason": "sick"})
    assert off.status_code == 409 and off.json()["code"] == "session_cancelled"
    assert (await ani.client.put(absence(elsewhere), json={"reason": "sick"})).status_code == 404
    assert (await ani.client.put(absence(10**9), json={"reason": "sick"})).status_code == 404
    bad = await ani.client.put(absence(upcoming), json={"reason": "bored"})
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    assert bad.headers["content-type"].startswith("application/problem+json")
    extra = await ani.client.put(absence(upcoming), json={"reason": "sick", "status": "present"})
    assert extra.status_code == 400
    # A staff account has no member record: refused by the guard.
    assert (
        await facilitator.client.put(absence(upcoming), json={"reason": "sick"})
    ).status_code == 403
    for sid in (started, cancelled, elsewhere, upcoming):
        assert (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).status_code in (
            200,
            404,
        )
    roll = (await facilitator.client.get(f"/api/v1/sessions/{upcoming}/attendance")).json()
    assert roll["records"] == []  # nothing half-written by the refusals


async def test_an_ended_membership_cannot_say_ahead(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    group, [(ani, ani_record), _] = await _world(member_actor, new_group, enrol, make_sessions)
    (sid,) = await make_sessions(group["id"], [in_days(3)])
    ended = await facilitator.client.delete(
        f"/api/v1/groups/{group['id']}/members/{ani_record['id']}"
    )
    assert ended.status_code in (200, 204), ended.text
    assert (await ani.client.put(absence(sid), json={"reason": "sick"})).status_code == 404


async def test_the_roll_after_the_start_keeps_the_reason_and_the_figures_match_a_rebuild(
    app, facilitator, member_actor, new_group, enrol, make_sessions
):
    group, [(ani, a_rec), (_, b_rec)] = await _world(member_actor, new_group, enrol, make_sessions)
    (sid,) = await make_sessions(group["id"], [in_days(1)])
    assert (await ani.client.put(absence(sid), json={"reason": "sick"})).status_code == 200
    # Time passes (test set-up): the session has now begun.
    start = days_ago(1)
    await Session.update(
        {Session.starts_at: start, Session.ends_at: start + timedelta(hours=2)}
    ).where(Session.id == sid)
    page = await facilitator.client.get(f"/sessions/{sid}/roll")
    a, b = a_rec["id"], b_rec["id"]
    assert f'name="status-{a}" value="excused" checked' in page.text
    assert f'name="reason-{a}" value="sick" checked' in page.text
    saved = await facilitator.client.post(
        f"/sessions/{sid}/roll",
        data={
            f"status-{a}": "excused",
            f"reason-{a}": "sick",
            f"status-{b}": "present",
            f"reason-{b}": "other",  # left behind: b is present
        },
        headers=form_headers(facilitator),
    )
    assert saved.status_code == 303, saved.text
    roll = (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).json()
    assert [(r["status"], r["reason"]) for r in roll["records"]] == [
        ("excused", "sick"),
        ("present", None),
    ]
    wrong = await facilitator.client.put(
        f"/api/v1/sessions/{sid}/attendance",
        json={"records": [{"member_id": b, "status": "present", "reason": "sick"}]},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "reason_needs_excused"
    assert wrong.json()["field"] == "records[0].reason"

    report_url = f"/api/v1/groups/{group['id']}/report"
    before = (await facilitator.client.get(report_url)).json()
    assert before["held_sessions"] == 1
    from backend.db import database
    from backend.figures import service as figures

    async with database().write() as db:
        await figures.rebuild(db)
    assert (await facilitator.client.get(report_url)).json() == before


async def test_the_member_page_offers_i_cant_come_in_both_languages(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    group, [(ani, _), _] = await _world(member_actor, new_group, enrol, make_sessions)
    (sid,) = await make_sessions(group["id"], [in_days(2)])
    page = await ani.client.get("/my")
    assert f'action="/my/sessions/{sid}/absence"' in page.text and "I can't come" in page.text
    page_id = await ani.client.get("/my?lang=id")
    assert "Saya tidak bisa datang" in page_id.text and "Sakit" in page_id.text
    empty = await ani.client.post(f"/my/sessions/{sid}/absence", data={}, headers=form_headers(ani))
    assert empty.status_code == 303
    shown = await ani.client.get(empty.headers["location"])
    assert 'role="alert"' in shown.text or "Reason" in shown.text or "Alasan" in shown.text
    assert (await ani.client.get("/api/v1/me/attendance")).json()["records"] == []
    posted = await ani.client.post(
        f"/my/sessions/{sid}/absence", data={"reason": "permission"}, headers=form_headers(ani)
    )
    assert posted.status_code == 303 and posted.headers["location"] == f"/my#session-{sid}"
    page = await ani.client.get(posted.headers["location"])
    assert f'action="/my/sessions/{sid}/absence/withdraw"' in page.text
    roll = (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).json()
    assert [(r["status"], r["reason"]) for r in roll["records"]] == [("excused", "permission")]
    back = await ani.client.post(
        f"/my/sessions/{sid}/absence/withdraw", data={}, headers=form_headers(ani)
    )
    assert back.status_code == 303
    assert (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).json()[
        "records"
    ] == []


async def test_hostile_reasons_are_a_4xx(member_actor, new_group, enrol, make_sessions):
    group = await new_group()
    ani, record = await member_actor("Ani")
    await enrol(group["id"], record["id"], joined_on=days_ago(30).date().isoformat())
    (sid,) = await make_sessions(group["id"], [in_days(2)])
    for value in ("\x00", "x" * 100_000, "\ud800", 2**70, None, [], {"a": 1}, ""):
        response = await ani.client.put(
            absence(sid),
            content=json.dumps({"reason": value}).encode(),
            headers={"content-type": "application/json"},
        )
        assert 400 <= response.status_code < 500, (value, response.text)
        if value == "\ud800":
            continue  # a form cannot carry a lone surrogate
        form = await ani.client.post(
            f"/my/sessions/{sid}/absence",
            data={"reason": str(value)},
            headers=form_headers(ani),
        )
        assert form.status_code == 303, form.text
    assert (await ani.client.get("/api/v1/me/attendance")).json()["records"] == []
