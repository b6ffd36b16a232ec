from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from tests.attendance.conftest import days_ago

HEADER = [
    "session_id",
    "session_start",
    "session_date_local",
    "session_time_local",
    "member_id",
    "member_name",
    "status",
    "status_title",
    "participation",
    "purposes",
    "purpose_titles",
    "feedback_answers",
    "feedback_mean_heard",
    "feedback_mean_mattered",
    "feedback_mean_way-of-working",
    "feedback_mean_overall",
]


async def _world(facilitator, new_group, new_member, enrol, make_sessions):
    group = await new_group()
    names = ['=HYPERLINK("http://x")', "Siti Nurhaliza", "+62 Budi", "@Ayu", "-Made", "Zoë Ünal"]
    members = [await new_member(n) for n in names]
    for m in members:
        await enrol(group["id"], m["id"], joined_on=days_ago(100).date().isoformat())
    s1, s2 = await make_sessions(group["id"], [days_ago(14), days_ago(7)])
    await make_sessions(group["id"], [days_ago(3)])  # awaiting roll call: not exported
    ids = [m["id"] for m in members]
    roll1 = [
        {
            "member_id": ids[1],
            "status": "present",
            "participation": "led",
            "purposes": ["reduce-isolation", "mutual-aid"],
            "note": '=1+1, "quoted"\nline',
        },
        {"member_id": ids[0], "status": "late", "participation": "observed"},
        {"member_id": ids[2], "status": "excused"},
    ]
    roll2 = [{"member_id": i, "status": "absent"} for i in ids[:3]]
    for sid, roll in ((s1, roll1), (s2, roll2)):
        response = await facilitator.client.put(
            f"/api/v1/sessions/{sid}/attendance", json={"records": roll}
        )
        assert response.status_code == 200, response.text
    return group, ids, (s1, s2)


def parse(response):
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def records(rows):
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


async def test_csv_has_one_row_per_member_and_held_session(
    facilitator, new_group, new_member, enrol, make_sessions
):
    group, ids, (s1, s2) = await _world(facilitator, new_group, new_member, enrol, make_sessions)
    response = await facilitator.client.get(f"/api/v1/groups/{group['id']}/attendance.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and ".csv" in disposition
    rows = parse(response)
    assert rows[0] == HEADER
    assert len(rows) == 1 + 2 * 6
    by_key = {(int(r["session_id"]), int(r["member_id"])): r for r in records(rows)}
    start1 = days_ago(14)
    local1 = start1.astimezone(ZoneInfo("Asia/Jakarta"))
    assert by_key[(s1, ids[1])] == {
        "session_id": str(s1),
        "session_start": start1.isoformat().replace("+00:00", "Z"),
        "session_date_local": local1.date().isoformat(),
        "session_time_local": local1.strftime("%H:%M"),
        "member_id": str(ids[1]),
        "member_name": "Siti Nurhaliza",
        "status": "present",
        "status_title": "Present",
        "participation": "led",
        "purposes": "mutual-aid;reduce-isolation",
        "purpose_titles": "Mutual aid; Reducing isolation",
        "feedback_answers": "0",
        "feedback_mean_heard": "",
        "feedback_mean_mattered": "",
        "feedback_mean_way-of-working": "",
        "feedback_mean_overall": "",
    }
    first = by_key[(s1, ids[0])]
    assert (first["member_name"], first["status"], first["participation"]) == (
        '\'=HYPERLINK("http://x")',
        "late",
        "observed",
    )
    assert (by_key[(s1, ids[2])]["member_name"], by_key[(s1, ids[2])]["status"]) == (
        "'+62 Budi",
        "excused",
    )
    no_record = by_key[(s1, ids[3])]  # no record: absent
    assert (no_record["member_name"], no_record["status"], no_record["purposes"]) == (
        "'@Ayu",
        "absent",
        "",
    )
    assert by_key[(s1, ids[4])]["member_name"] == "'-Made"
    assert by_key[(s1, ids[5])]["member_name"] == "Zoë Ünal"
    assert [r["status"] for r in records(rows) if int(r["session_id"]) == s2] == ["absent"] * 6
    # Sorted by session start, then name.
    assert [int(r["session_id"]) for r in records(rows)] == [s1] * 6 + [s2] * 6
    assert "note" not in rows[0] and "quoted" not in response.text
    # Titles in the reader's language; codes unchanged.
    indonesian = records(
        parse(
            await facilitator.client.get(
                f"/api/v1/groups/{group['id']}/attendance.csv", headers={"accept-language": "id"}
            )
        )
    )
    siti = next(
        r for r in indonesian if r["member_id"] == str(ids[1]) and r["session_id"] == str(s1)
    )
    assert (siti["status"], siti["status_title"]) == ("present", "Hadir")
    assert siti["purpose_titles"] == "Saling membantu; Mengurangi keterasingan"


async def test_notes_column_only_on_request_by_the_groups_staff(
    facilitator, admin, make_actor, new_group, new_member, enrol, make_sessions
):
    group, ids, (s1, _) = await _world(facilitator, new_group, new_member, enrol, make_sessions)
    path = f"/api/v1/groups/{group['id']}/attendance.csv?notes=1"
    for actor in (facilitator, admin):
        rows = parse(await actor.client.get(path))
        assert rows[0] == [*HEADER, "note"]
        noted = next(
            r for r in records(rows) if r["session_id"] == str(s1) and r["member_id"] == str(ids[1])
        )
        assert noted["note"] == '\'=1+1, "quoted"\nline'
    outsider = await make_actor("facilitator")
    assert (await outsider.client.get(path)).status_code == 404
    assert (await facilitator.client.get(path.replace("=1", "=2"))).status_code == 400
