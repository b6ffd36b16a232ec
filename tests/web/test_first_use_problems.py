"""The ten problems a new user met on a phone (issue 11), each held fixed by a test.

Browser-only parts (clipped labels, the 5-tap roll, sideways scrolling, axe) are in
tests/e2e/test_phone_pages.py; these are the server's side of the same problems.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from backend.accounts.tables import AuthSession, User
from backend.groups.tables import Group, Member, Membership
from backend.scheduling.tables import Session
from tests.conftest import PASSWORD, http_client
from tests.web.conftest import days_ago, visible_text

ID = {"accept-language": "id"}


def headers(actor, **extra):
    return {"x-csrftoken": actor.client.cookies.get("csrftoken", ""), **extra}


async def members(enrol, new_member, group_id, names, **fields):
    ids = []
    for name in names:
        member = await new_member(name, **fields.get(name, {}))
        await enrol(group_id, member["id"], joined_on=days_ago(60).date().isoformat())
        ids.append(member["id"])
    return ids


# 1. Saving a roll with nothing marked recorded everyone absent without asking.
async def test_1_saving_with_unmarked_members_asks_first(
    facilitator, new_group, new_member, enrol, make_sessions
):
    group = await new_group()
    a, b = await members(enrol, new_member, group["id"], ["Ani", "Budi"])
    (sid,) = await make_sessions(group["id"], [days_ago(1)])
    form = await facilitator.client.get(f"/sessions/{sid}/roll")
    assert 'id="all-present"' in form.text  # one tap marks everyone present
    nothing = {"member": [str(a), str(b)]}
    asked = await facilitator.client.post(
        f"/sessions/{sid}/roll", data=nothing, headers=headers(facilitator)
    )
    assert asked.status_code == 200 and 'id="confirm-unmarked"' in asked.text
    assert "2 members are not marked." in asked.text
    assert (await Session.select(Session.roll_taken_at).where(Session.id == sid))[0][
        "roll_taken_at"
    ] is None
    # "Everyone present" without JavaScript: the form again, all present, nothing saved.
    everyone = await facilitator.client.post(
        f"/sessions/{sid}/roll", data={**nothing, "all_present": "1"}, headers=headers(facilitator)
    )
    assert everyone.text.count('value="present" checked') == 2
    assert (await facilitator.client.get(f"/api/v1/sessions/{sid}/attendance")).json()[
        "records"
    ] == []
    confirmed = await facilitator.client.post(
        f"/sessions/{sid}/roll",
        data={**nothing, f"status-{a}": "present", "confirm_unmarked": "1"},
        headers=headers(facilitator),
    )
    assert confirmed.status_code == 303
    shown = await facilitator.client.get(confirmed.headers["location"])
    assert "Roll saved: 1 present, 1 not marked (counted absent)." in shown.text


# 2. The saved roll showed raw codes ("observed") in a table that broke words.
async def test_2_the_saved_roll_shows_titles_not_codes(
    facilitator, new_group, new_member, enrol, make_sessions
):
    group = await new_group()
    (a,) = await members(enrol, new_member, group["id"], ["Ani"])
    (sid,) = await make_sessions(group["id"], [days_ago(1)])
    await facilitator.client.put(
        f"/api/v1/sessions/{sid}/attendance",
        json={"records": [{"member_id": a, "status": "late", "participation": "observed"}]},
    )
    page = await facilitator.client.get(f"/sessions/{sid}/roll", headers=ID)
    saved = page.text.split('id="saved-roll"', 1)[1]
    assert "Terlambat" in saved and "Mengamati" in saved
    assert ">observed<" not in saved and ">late<" not in saved
    assert "<table" not in saved.split("</ul>", 1)[0]


# 3. Dates were UTC dates: 00:30 WIB on 24 November showed as 23 November.
async def test_3_a_session_at_half_past_midnight_wib_is_on_its_local_day(
    facilitator, member_actor, new_group, enrol
):
    group = await new_group(timezone="Asia/Jakarta")
    member, record = await member_actor("Ani Lestari")
    await enrol(group["id"], record["id"], joined_on="2026-11-01")
    start = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 24 November, 00:30 WIB
    rows = await Session.insert(
        Session(
            group=group["id"],
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            updated_at=start,
            topic="Tengah malam",
        )
    ).returning(Session.id)
    sid = rows[0]["id"]
    response = await facilitator.client.put(
        f"/api/v1/sessions/{sid}/attendance",
        json={"records": [{"member_id": record["id"], "status": "present"}]},
    )
    assert response.status_code == 200, response.text
    report = visible_text((await facilitator.client.get(f"/groups/{group['id']}/report")).text)
    assert "24 Nov 2026" in report and "23 Nov 2026" not in report
    mine = visible_text((await member.client.get("/my", headers=ID)).text)
    assert "Selasa, 24 November 2026" in mine and "23 November" not in mine
    mine_en = visible_text((await member.client.get("/my")).text)
    assert "Tuesday, 24 November 2026" in mine_en
    roll = visible_text((await facilitator.client.get(f"/sessions/{sid}/roll", headers=ID)).text)
    assert "Selasa, 24 November 2026 · 00.30 WIB" in roll
    csv_text = (
        await facilitator.client.get(f"/api/v1/groups/{group['id']}/attendance.csv")
    ).content.decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["session_start"] == "2026-11-23T17:30:00Z"
    assert (values["session_date_local"], values["session_time_local"]) == ("2026-11-24", "00:30")


# 4. Errors were developer text and a bad email cleared the form.
async def test_4_errors_are_words_naming_the_field_and_forms_keep_what_was_typed(
    facilitator, new_group, new_member, enrol, make_sessions
):
    client = facilitator.client
    await client.get("/groups/new")
    capacity = await client.post(
        "/groups/new",
        data={
            "name": "Lingkar ibu",
            "kind": "support",
            "purposes": "mutual-aid",
            "capacity": "1",
            "timezone": "Asia/Jakarta",
        },
        headers=headers(facilitator),
    )
    assert capacity.status_code == 422
    text = visible_text(capacity.text)
    assert "Capacity must be at least 2." in text and "Expected" not in text
    assert 'value="Lingkar ibu"' in capacity.text
    indonesian = await client.post(
        "/groups/new",
        data={
            "name": "Lingkar ibu",
            "kind": "support",
            "capacity": "1",
            "timezone": "Asia/Jakarta",
        },
        headers=headers(facilitator, **ID),
    )
    assert "Tujuan: pilih minimal 1." in visible_text(indonesian.text)

    group = await new_group()
    email = await client.post(
        f"/groups/{group['id']}/enrol",
        data={"new_name": "Siti Aminah", "new_email": "siti@", "consent_given": "1"},
        headers=headers(facilitator),
    )
    text = visible_text(email.text)
    assert email.status_code == 422
    assert "Email is not an email address" in text and "regex" not in text and "^[" not in text
    assert 'value="Siti Aminah"' in email.text and 'value="siti@"' in email.text

    (a,) = await members(enrol, new_member, group["id"], ["Dewi Sartika"])
    (sid,) = await make_sessions(group["id"], [days_ago(1)])
    roll = await client.post(
        f"/sessions/{sid}/roll",
        data={f"status-{a}": "absent", f"purposes-{a}": "mutual-aid"},
        headers=headers(facilitator),
    )
    text = visible_text(roll.text)
    assert "Member Dewi Sartika is absent: purposes are recorded only" in text
    assert f"Member {a} " not in text and "records[" not in text

    series = await client.post(
        f"/groups/{group['id']}/sessions",
        data={
            "date": "2030-01-07",
            "time": "10:00",
            "duration": "60",
            "repeat": "monthly",
            "count": "30",
        },
        headers=headers(facilitator),
    )
    text = visible_text(series.text)
    assert series.status_code == 422
    assert "more than two years" in text and "COUNT" not in text and "UNTIL" not in text
    assert 'value="30"' in series.text


# 5. Reloading the address after a form post showed a raw JSON 405.
async def test_5_a_get_on_every_form_address_goes_back_to_its_page(
    app, admin, facilitator, member_actor, new_group, new_member, enrol, make_sessions
):
    group = await new_group()
    (m,) = await members(enrol, new_member, group["id"], ["Ani"])
    (sid,) = await make_sessions(group["id"], [days_ago(1)])
    member, record = await member_actor()
    await enrol(group["id"], record["id"], joined_on=days_ago(30).date().isoformat())
    params = {
        "token": "not-a-token",
        "group_id": group["id"],
        "member_id": m,
        "session_id": sid,
        "user_id": facilitator.id,
    }
    posts = sorted(
        route.path
        for route in app.routes
        if not route.path.startswith(("/api", "/schema", "/static", "/guides"))
        for handler in getattr(route, "route_handlers", [])
        if "POST" in getattr(handler, "http_methods", ())
    )
    for path in posts:
        url = path.replace(":int", "").replace(":str", "").format(**params)
        client = member.client if url.startswith("/my") else admin.client
        response = await client.get(url)
        assert response.status_code in (200, 302, 303), (url, response.status_code)
        assert "json" not in response.headers.get("content-type", ""), url
        target = await client.get(url, follow_redirects=True)
        assert target.status_code == 200 and "<html" in target.text, url
    assert len(posts) >= 20


# 6. The group page was one long scroll; after an enrolment it reloaded at the top.
async def test_6_the_group_page_is_in_sections_and_actions_return_to_theirs(facilitator, new_group):
    group = await new_group()
    gid = group["id"]
    sections = [f"/groups/{gid}", f"/groups/{gid}/rolls", f"/groups/{gid}/members"]
    sections.append(f"/groups/{gid}/report")
    for path in sections:
        page = await facilitator.client.get(path)
        assert page.status_code == 200
        nav = page.text.split('class="sections"', 1)[1].split("</nav>", 1)[0]
        assert all(f'href="{p}"' in nav for p in sections)
        assert nav.count('aria-current="page"') == 1
    schedule = await facilitator.client.get(f"/groups/{gid}")
    assert 'id="enrol-form"' not in schedule.text and 'id="schedule-form"' in schedule.text
    assert 'class="card disclosure"' in schedule.text  # disclosures styled to look tappable
    enrolled = await facilitator.client.post(
        f"/groups/{gid}/enrol",
        data={"new_name": "Ani", "consent_given": "1"},
        headers=headers(facilitator),
    )
    assert enrolled.status_code == 303
    assert enrolled.headers["location"] == f"/groups/{gid}/members#members"
    members_page = await facilitator.client.get(enrolled.headers["location"])
    assert "Enrolled." in members_page.text and "Ani" in members_page.text


# 7. Follow-up: at the bottom of each report, no contact details, an excused member
#    flagged, and no way to record a contact.
async def test_7_follow_up_across_groups_with_whatsapp_and_contacts(
    facilitator, new_group, new_member, enrol, make_sessions
):
    first = await new_group(name="Lingkar pagi")
    second = await new_group(name="Lingkar sore", timezone="Asia/Makassar")
    drifting, excused, steady = await members(
        enrol,
        new_member,
        first["id"],
        ["Rudi Hartono", "Wati Excused", "Sari Rajin"],
        **{"Rudi Hartono": {"phone": "0812-3456-7890"}},
    )
    (far,) = await members(enrol, new_member, second["id"], ["Yosef Kogoya"])
    sessions = await make_sessions(first["id"], [days_ago(d) for d in (28, 21, 14, 7)])
    for sid in sessions:
        await facilitator.client.put(
            f"/api/v1/sessions/{sid}/attendance",
            json={
                "records": [
                    {"member_id": drifting, "status": "absent"},
                    {"member_id": excused, "status": "excused"},
                    {"member_id": steady, "status": "present"},
                ]
            },
        )
    (other,) = await make_sessions(second["id"], [days_ago(3)])
    await make_sessions(second["id"], [days_ago(10)])
    await facilitator.client.put(
        f"/api/v1/sessions/{other}/attendance",
        json={"records": [{"member_id": far, "status": "absent"}]},
    )
    report = (await facilitator.client.get(f"/api/v1/groups/{first['id']}/report")).json()
    assert [f["display_name"] for f in report["follow_up"]] == ["Rudi Hartono"]
    listing = (await facilitator.client.get("/api/v1/follow-up", headers=ID)).json()["items"]
    # One list across the groups; Wati, excused four times and never absent, is not on it.
    assert [(i["group_name"], i["display_name"], i["reasons"]) for i in listing] == [
        ("Lingkar pagi", "Rudi Hartono", ["absence-streak", "low-recent-rate"]),
        ("Lingkar sore", "Yosef Kogoya", ["low-recent-rate"]),
    ]
    rudi = listing[0]
    assert rudi["phone"] == "0812-3456-7890"
    assert rudi["whatsapp_url"].startswith("https://wa.me/6281234567890?text=Halo%20Rudi")
    assert rudi["message"].startswith("Halo Rudi, saya ")  # Rudi has no language: the reader's
    dashboard = await facilitator.client.get("/dashboard")
    assert "https://wa.me/6281234567890?text=" in dashboard.text
    assert 'href="tel:0812-3456-7890"' in dashboard.text
    recorded = await facilitator.client.post(
        f"/follow-up/{first['id']}/{drifting}/contacts",
        data={"outcome": "no-answer", "note": "Coba lagi Kamis"},
        headers=headers(facilitator),
    )
    assert recorded.status_code == 303
    assert recorded.headers["location"] == f"/dashboard#follow-up-{first['id']}-{drifting}"
    page = visible_text((await facilitator.client.get(recorded.headers["location"])).text)
    assert "Contact recorded." in page and "No answer" in page and "Coba lagi Kamis" in page
    contacts = (await facilitator.client.get("/api/v1/follow-up")).json()["items"][0]["contacts"]
    assert [(c["outcome"], c["contacted_by"]) for c in contacts] == [("no-answer", facilitator.id)]


async def test_7_the_kind_message_is_in_the_members_own_language(
    facilitator, new_group, new_member, enrol, make_sessions
):
    group = await new_group()
    (sari,) = await members(
        enrol,
        new_member,
        group["id"],
        ["Sari Dewi"],
        **{"Sari Dewi": {"phone": "0812 99", "language": "id"}},
    )
    for sid in await make_sessions(group["id"], [days_ago(14), days_ago(7)]):
        await facilitator.client.put(f"/api/v1/sessions/{sid}/attendance", json={"records": []})
    (entry,) = (await facilitator.client.get("/api/v1/follow-up")).json()["items"]
    assert entry["member_id"] == sari and entry["message"].startswith("Halo Sari, saya ")


# 8. Enrolment always started today, had no phone field, created a second "Ayu Pratama"
#    silently; a group name of spaces was accepted.
async def test_8_enrolment_dates_phones_people_on_record_and_blank_names(facilitator, new_group):
    group = await new_group(timezone="Asia/Jakarta")
    gid = group["id"]
    page = await facilitator.client.get(f"/groups/{gid}/members")
    assert 'name="joined_on"' in page.text and 'name="new_phone"' in page.text
    last_week = (datetime.now(UTC) - timedelta(days=7)).date()
    first = await facilitator.client.post(
        f"/groups/{gid}/enrol",
        data={
            "new_name": "Ayu Pratama",
            "new_phone": "0812-1111-2222",
            "joined_on": last_week.isoformat(),
            "consent_given": "1",
        },
        headers=headers(facilitator),
    )
    assert first.status_code == 303
    rows = await Membership.select(Membership.joined_on).where(Membership.group == gid)
    assert [r["joined_on"] for r in rows] == [last_week]
    other = await new_group(name="Lingkar kedua")
    again = await facilitator.client.post(
        f"/groups/{other['id']}/enrol",
        data={"new_name": "Ayu Pratama", "new_phone": "+62 812 1111 2222", "consent_given": "1"},
        headers=headers(facilitator),
    )
    assert again.status_code == 409 and 'id="on-record"' in again.text
    assert "This person may already be on record: Ayu Pratama." in visible_text(again.text)
    assert await Member.count() == 1
    same = await facilitator.client.post(
        f"/groups/{other['id']}/enrol",
        data={"by_contact": "phone", "contact": "+62 812 1111 2222", "consent_given": "1"},
        headers=headers(facilitator),
    )
    assert same.status_code == 303 and await Member.count() == 1
    assert await Membership.count().where(Membership.group == other["id"]) == 1
    future = await facilitator.client.post(
        f"/groups/{gid}/enrol",
        data={"new_name": "Budi", "joined_on": "2099-01-01", "consent_given": "1"},
        headers=headers(facilitator),
    )
    assert "The joining date cannot be in the future." in visible_text(future.text)
    blank = await facilitator.client.post(
        f"/groups/{gid}/enrol",
        data={"new_name": "   ", "consent_given": "1"},
        headers=headers(facilitator),
    )
    assert blank.status_code == 422 and "Fill in Name." in visible_text(blank.text)
    spaces = await facilitator.client.post(
        "/groups/new",
        data={
            "name": "   ",
            "kind": "support",
            "purposes": "mutual-aid",
            "capacity": "5",
            "timezone": "Asia/Jakarta",
        },
        headers=headers(facilitator),
    )
    assert spaces.status_code == 422 and "Fill in Name." in visible_text(spaces.text)
    assert await Group.count() == 2


# 9. Admins could not manage facilitators, passwords, accounts or member logins on pages.
async def test_9_admin_actions_on_the_pages(
    app, admin, facilitator, make_actor, new_group, new_member
):
    group = await new_group()
    second = await make_actor("facilitator", name="Kadek Wirawan")
    gid = group["id"]
    members_page = await admin.client.get(f"/groups/{gid}/members")
    assert 'id="facilitators"' in members_page.text
    assigned = await admin.client.post(
        f"/groups/{gid}/facilitators", data={"user_id": str(second.id)}, headers=headers(admin)
    )
    assert assigned.status_code == 303
    assert (await admin.client.get(f"/api/v1/groups/{gid}")).json()["facilitator_ids"] == [
        facilitator.id,
        second.id,
    ]
    removed = await admin.client.post(
        f"/groups/{gid}/facilitators/{facilitator.id}/remove", data={}, headers=headers(admin)
    )
    assert removed.status_code == 303
    assert (await admin.client.get(f"/api/v1/groups/{gid}")).json()["facilitator_ids"] == [
        second.id
    ]
    last = await admin.client.post(
        f"/groups/{gid}/facilitators/{second.id}/remove", data={}, headers=headers(admin)
    )
    shown = await admin.client.get(last.headers["location"])
    assert "A group needs at least one facilitator." in shown.text

    # A temporary password, shown once, to be changed at the next login.
    reset = await admin.client.post(
        f"/admin/users/{second.id}/temporary-password", data={}, headers=headers(admin)
    )
    assert reset.status_code == 303
    page = await admin.client.get(reset.headers["location"])
    temporary = page.text.split('id="temporary-password">', 1)[1].split("<", 1)[0]
    assert len(temporary) >= 12
    assert temporary not in (await admin.client.get("/admin/users")).text  # shown once
    assert (await second.client.get("/dashboard")).is_redirect  # its sessions ended
    async with http_client(app) as person:
        await person.get("/login")
        login = await person.post(
            "/login",
            data={"email": second.user.email, "password": temporary},
            headers={"x-csrftoken": person.cookies.get("csrftoken", "")},
        )
        assert login.headers["location"] == "/account/password"
        held = await person.get("/dashboard")
        assert held.headers["location"] == "/account/password"
        api = await person.get("/api/v1/groups")
        assert api.status_code == 403 and api.json()["code"] == "password_change_required"
        changed = await person.post(
            "/account/password",
            data={
                "current_password": temporary,
                "new_password": "a new long secret",
                "repeat_password": "a new long secret",
            },
            headers={"x-csrftoken": person.cookies.get("csrftoken", "")},
        )
        assert changed.status_code == 303
        assert (await person.get("/dashboard")).status_code == 200

    # Deactivating ends the account's sessions at once; reactivating lets it log in again.
    target = await make_actor("facilitator")
    assert (await target.client.get("/dashboard")).status_code == 200
    deactivated = await admin.client.post(
        f"/admin/users/{target.id}/deactivate", data={}, headers=headers(admin)
    )
    assert deactivated.status_code == 303
    assert await AuthSession.count().where(AuthSession.user == target.id) == 0
    assert (await target.client.get("/dashboard")).is_redirect
    own = await admin.client.post(
        f"/admin/users/{admin.id}/deactivate", data={}, headers=headers(admin)
    )
    own_page = await admin.client.get(own.headers["location"])
    assert "You cannot deactivate your own account." in own_page.text
    own_reset = await admin.client.post(
        f"/api/v1/users/{admin.id}/temporary-password", headers=headers(admin)
    )
    assert own_reset.status_code == 422 and own_reset.json()["code"] == "own_account"
    assert (await admin.client.get("/dashboard")).status_code == 200  # still logged in
    await admin.client.post(f"/admin/users/{target.id}/reactivate", data={}, headers=headers(admin))
    assert (await User.select(User.is_active).where(User.id == target.id))[0]["is_active"]

    # An existing member gets a login.
    person = await new_member("Made Wirata")
    given = await admin.client.post(
        "/admin/member-logins",
        data={"member_id": str(person["id"]), "email": "made@test.example"},
        headers=headers(admin),
    )
    assert given.status_code == 303
    page = await admin.client.get(given.headers["location"])
    password = page.text.split('id="temporary-password">', 1)[1].split("<", 1)[0]
    async with http_client(app) as made:
        response = await made.post(
            "/api/v1/auth/login", json={"email": "made@test.example", "password": password}
        )
        assert response.status_code == 200
        assert response.json()["member_id"] == person["id"]
        assert response.json()["must_change_password"] is True
    assert PASSWORD  # the other accounts keep theirs


# 10. Tables lost their key columns on a phone, time zones were mixed silently and typed
#     by hand, and /schema needed the internet.
async def test_10_stacked_tables_zones_and_an_offline_schema(
    app, facilitator, new_group, new_member, enrol, client
):
    await new_group(name="Lingkar Jakarta", timezone="Asia/Jakarta")
    other = await new_group(name="Lingkar Jayapura", timezone="Asia/Jayapura")
    await members(enrol, new_member, other["id"], ["Yosef Kogoya"])
    await facilitator.client.post(
        f"/api/v1/groups/{other['id']}/sessions",
        json={"starts_at": "2030-01-07T10:00:00", "duration_minutes": 60},
    )
    dashboard = await facilitator.client.get("/dashboard", headers=ID)
    text = visible_text(dashboard.text)
    assert "10.00 WIT" in text and "zona waktu yang berbeda" in text
    report = await facilitator.client.get(f"/groups/{other['id']}/report")
    assert 'class="stack" id="members-table"' in report.text and "data-label=" in report.text
    form = await facilitator.client.get("/groups/new")
    chooser = form.text.split('id="timezone"', 1)[1].split("</select>", 1)[0]
    options = [o.split('"', 1)[0] for o in chooser.split('<option value="')[1:]]
    assert options[:3] == ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
    assert "Europe/Berlin" in options and len(options) > 300
    schema = await client.get("/schema/swagger")
    assert schema.status_code == 200
    assert "https://" not in schema.text.split("<body", 1)[0]
    csp = schema.headers["content-security-policy"]
    assert "https:" not in csp
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"):
        assert f"/static/swagger-ui/{asset}" in schema.text
        served = await client.get(f"/static/swagger-ui/{asset}")
        assert served.status_code == 200 and len(served.content) > 1000
    assert json.loads((await client.get("/schema/openapi.json")).text)["paths"]


@pytest.mark.parametrize("language", ["en", "id"])
async def test_the_login_page_has_the_language_switch(client, language):
    page = await client.get("/login", headers={"accept-language": language})
    assert 'action="/language"' in page.text and f'<html lang="{language}">' in page.text
