"""Members' feedback after a session: who may answer and when, and staff seeing aggregates
only, from three answers up, without names."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from tests.attendance.conftest import days_ago

ALL_FOUR = {"heard": 5, "mattered": 4, "way-of-working": 3, "overall": 4}


def form_headers(actor):
    return {"x-csrftoken": actor.client.cookies.get("csrftoken", "")}


def mine(session_id: int) -> str:
    return f"/api/v1/me/sessions/{session_id}/feedback"


NAMES = ("Ani Lestari", "Budi Santoso", "Citra Dewi", "Dedi Kurnia", "Eka Putri")


async def _world(facilitator, member_actor, new_group, enrol, make_sessions, started=days_ago(2)):
    """A group of five; at its session three were present, one late, one absent."""
    group = await new_group()
    people = [await member_actor(name) for name in NAMES]
    for _actor, record in people:
        await enrol(group["id"], record["id"], joined_on=days_ago(30).date().isoformat())
    (sid,) = await make_sessions(group["id"], [started])
    statuses = ["present", "present", "late", "present", "absent"]
    records = [
        {"member_id": record["id"], "status": status}
        | ({"purposes": ["mutual-aid"]} if status == "present" else {})
        for (_a, record), status in zip(people, statuses, strict=True)
    ]
    response = await facilitator.client.put(
        f"/api/v1/sessions/{sid}/attendance", json={"records": records}
    )
    assert response.status_code == 200, response.text
    return group, [actor for actor, _ in people], [r["id"] for _, r in people], sid


async def test_a_member_who_was_there_answers_once_and_may_change_it(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    _g, actors, _ids, sid = await _world(facilitator, member_actor, new_group, enrol, make_sessions)
    read = await actors[0].client.get(mine(sid))
    assert read.status_code == 200, read.text
    body = read.json()
    assert [i["code"] for i in body["items"]] == ["heard", "mattered", "way-of-working", "overall"]
    assert all(i["text"] for i in body["items"])
    assert body["answer"] is None and body["can_answer"] is True
    assert [p["code"] for p in body["purposes"]] == ["mutual-aid", "reduce-isolation"]
    in_id = (await actors[0].client.get(mine(sid) + "?lang=id")).json()
    assert in_id["items"][0]["text"] != body["items"][0]["text"]

    first = await actors[0].client.put(
        mine(sid), json={"ratings": ALL_FOUR, "purposes": ["mutual-aid"], "comment": "Good"}
    )
    assert first.status_code == 201, first.text
    changed = await actors[0].client.put(
        mine(sid), json={"ratings": {**ALL_FOUR, "overall": 2}, "purposes": []}
    )
    assert changed.status_code == 200, changed.text
    answer = (await actors[0].client.get(mine(sid))).json()["answer"]
    assert answer["ratings"] == {**ALL_FOUR, "overall": 2}
    assert answer["purposes"] == [] and answer["comment"] is None
    # Another member sees only their own (none).
    assert (await actors[1].client.get(mine(sid))).json()["answer"] is None


async def test_absent_early_late_or_elsewhere_is_refused(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    group, actors, ids, sid = await _world(
        facilitator, member_actor, new_group, enrol, make_sessions
    )
    absent = await actors[4].client.put(mine(sid), json={"ratings": ALL_FOUR})
    assert absent.status_code == 409 and absent.json()["code"] == "feedback_needs_attendance"
    assert (await actors[4].client.get(mine(sid))).json()["can_answer"] is False

    (future,) = await make_sessions(group["id"], [datetime.now(UTC) + timedelta(days=2)])
    early = await actors[0].client.put(mine(future), json={"ratings": ALL_FOUR})
    assert early.status_code == 409 and early.json()["code"] == "feedback_not_open"

    (old,) = await make_sessions(group["id"], [days_ago(8)])
    roll = {"records": [{"member_id": ids[0], "status": "present"}]}
    assert (
        await facilitator.client.put(f"/api/v1/sessions/{old}/attendance", json=roll)
    ).status_code == 200
    late = await actors[0].client.put(mine(old), json={"ratings": ALL_FOUR})
    assert late.status_code == 409 and late.json()["code"] == "feedback_closed"

    other = await new_group(name="Another circle")
    (elsewhere,) = await make_sessions(other["id"], [days_ago(1)])
    assert (
        await actors[0].client.put(mine(elsewhere), json={"ratings": ALL_FOUR})
    ).status_code == 404
    assert (await actors[0].client.get(mine(elsewhere))).status_code == 404

    missing = await actors[0].client.put(mine(sid), json={"ratings": {"heard": 3}})
    assert missing.status_code == 400, missing.text
    assert missing.json()["field"] in ("ratings", "ratings.mattered"), missing.text
    undeclared = await actors[0].client.put(
        mine(sid), json={"ratings": ALL_FOUR, "purposes": ["social-change"]}
    )
    assert undeclared.status_code == 422 and undeclared.json()["code"] == "purpose_not_declared"
    for bad in (
        {"ratings": {**ALL_FOUR, "heard": 6}},
        {"ratings": {**ALL_FOUR, "heard": 0}},
        {"ratings": {**ALL_FOUR, "unknown": 3}},
        {"ratings": ALL_FOUR, "comment": "x" * 3000},
        {"ratings": ALL_FOUR, "member_id": ids[1]},
        {"ratings": ALL_FOUR, "purposes": ["mutual-aid", "mutual-aid"]},
    ):
        response = await actors[0].client.put(mine(sid), json=bad)
        assert 400 <= response.status_code < 500, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await actors[0].client.get(mine(sid))).json()["answer"] is None
    # Staff have no member record: this route is not theirs.
    assert (await facilitator.client.get(mine(sid))).status_code == 403


async def test_aggregates_hidden_with_two_answers_shown_with_three_without_names(
    facilitator, admin, make_actor, member_actor, new_group, enrol, make_sessions
):
    group, actors, _ids, sid = await _world(
        facilitator, member_actor, new_group, enrol, make_sessions
    )
    answers = [
        ({"heard": 5, "mattered": 4, "way-of-working": 3, "overall": 4}, ["mutual-aid"], "Zebra"),
        ({"heard": 4, "mattered": 4, "way-of-working": 2, "overall": 5}, [], "apple pie"),
        (
            {"heard": 1, "mattered": 4, "way-of-working": 3, "overall": 3},
            ["mutual-aid", "reduce-isolation"],
            None,
        ),
    ]
    session_url = f"/api/v1/sessions/{sid}/feedback"
    group_url = f"/api/v1/groups/{group['id']}/feedback"
    report_url = f"/api/v1/groups/{group['id']}/report"
    for actor, (ratings, purposes, comment) in zip(actors[:2], answers, strict=False):
        body = {"ratings": ratings, "purposes": purposes} | (
            {"comment": comment} if comment else {}
        )
        assert (await actor.client.put(mine(sid), json=body)).status_code == 201
    two = (await facilitator.client.get(session_url)).json()["figures"]
    assert two["answers"] == 2 and two["shown"] is False
    assert two["items"] == [] and two["comments"] == [] and two["purposes"] == []
    assert (await facilitator.client.get(group_url)).json()["figures"]["shown"] is False
    assert (await facilitator.client.get(report_url)).json()["feedback"]["figures"][
        "shown"
    ] is False
    page = await facilitator.client.get(f"/groups/{group['id']}/report")
    assert "too few answers to show" in page.text and "Zebra" not in page.text

    ratings, purposes, _ = answers[2]
    assert (
        await actors[2].client.put(mine(sid), json={"ratings": ratings, "purposes": purposes})
    ).status_code == 201
    three = (await facilitator.client.get(session_url)).json()
    figures = three["figures"]
    assert figures["answers"] == 3 and figures["shown"] is True
    by_code = {i["code"]: i for i in figures["items"]}
    assert by_code["heard"]["mean"] == 3.33 and by_code["heard"]["distribution"] == [1, 0, 0, 1, 1]
    assert by_code["mattered"]["mean"] == 4.0 and by_code["mattered"]["distribution"] == [
        0,
        0,
        0,
        3,
        0,
    ]
    assert figures["comments"] == ["apple pie", "Zebra"]
    # Members named mutual-aid twice, reduce-isolation once; the facilitator tagged mutual-aid
    # on the three present records of the four who came.
    assert figures["purposes"] == [
        {"purpose": "mutual-aid", "members": 2, "facilitators": 3},
        {"purpose": "reduce-isolation", "members": 1, "facilitators": 0},
    ]
    assert figures["attended_records"] == 4
    for url in (session_url, group_url, report_url):
        for reader in (facilitator, admin):
            response = await reader.client.get(url)
            assert response.status_code == 200, (url, response.text)
            feedback = response.json()
            if url == report_url:
                feedback = feedback["feedback"]
            text = json.dumps(feedback)
            assert "member" not in text.replace('"members"', ""), url
            assert not any(name in text for name in NAMES), url
    page = await facilitator.client.get(f"/groups/{group['id']}/report")
    assert "apple pie" in page.text and "3 answers" in page.text
    page_id = await facilitator.client.get(f"/groups/{group['id']}/report?lang=id")
    assert "3 jawaban" in page_id.text
    # Others are refused: a facilitator of another group, and members.
    outsider = await make_actor("facilitator")
    assert (await outsider.client.get(session_url)).status_code == 404
    assert (await outsider.client.get(group_url)).status_code == 404
    assert (await actors[0].client.get(session_url)).status_code == 403

    csv_text = (
        await facilitator.client.get(f"/api/v1/groups/{group['id']}/attendance.csv")
    ).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {r["feedback_answers"] for r in rows} == {"3"}
    assert {r["feedback_mean_heard"] for r in rows} == {"3.33"}
    assert "Zebra" not in csv_text and "apple pie" not in csv_text


async def test_member_pages_link_ask_and_save_in_both_languages(
    facilitator, member_actor, new_group, enrol, make_sessions
):
    _g, actors, _ids, sid = await _world(facilitator, member_actor, new_group, enrol, make_sessions)
    ani = actors[0]
    my = await ani.client.get("/my")
    assert f'href="/my/sessions/{sid}/feedback"' in my.text
    form = await ani.client.get(f"/my/sessions/{sid}/feedback")
    assert form.status_code == 200
    assert 'name="rating-heard"' in form.text and "Completely" in form.text
    form_id = await ani.client.get(f"/my/sessions/{sid}/feedback?lang=id")
    assert "Sepenuhnya" in form_id.text
    refused = await ani.client.post(
        f"/my/sessions/{sid}/feedback",
        data={"rating-heard": "5", "comment": "kept"},
        headers=form_headers(ani),
    )
    assert refused.status_code == 422 and "kept" in refused.text
    saved = await ani.client.post(
        f"/my/sessions/{sid}/feedback",
        data={
            "rating-heard": "5",
            "rating-mattered": "4",
            "rating-way-of-working": "4",
            "rating-overall": "5",
            "purposes": "reduce-isolation",
            "comment": "Thanks",
        },
        headers=form_headers(ani),
    )
    assert saved.status_code == 303, saved.text
    answer = (await ani.client.get(mine(sid))).json()["answer"]
    assert answer["ratings"]["overall"] == 5 and answer["purposes"] == ["reduce-isolation"]
    again = await ani.client.get(f"/my/sessions/{sid}/feedback")
    assert 'name="rating-overall" value="5" checked' in again.text
    # The absent member is told why, with no form.
    absent = await actors[4].client.get(f"/my/sessions/{sid}/feedback")
    assert absent.status_code == 200 and 'id="feedback-form"' not in absent.text
