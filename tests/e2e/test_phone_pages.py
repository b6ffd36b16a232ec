"""Lingkar on a facilitator's phone (360 x 740), in English and Bahasa Indonesia.

Every page fits the phone's width and passes axe-core (no serious or critical violation) in
both languages at phone and desktop sizes; the roll of twelve with two exceptions takes at
most five taps; saving with members unmarked asks first, with and without JavaScript; a
reload after each form post shows the page again, never JSON; the follow-up list's WhatsApp
link and contact record; and the admins' actions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, fits_the_width, log_in

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
LANGUAGES = {"en": "en-GB,en;q=0.9", "id": "id-ID,id;q=0.9"}


def insert_session(database: str, group_id: int, starts_at: datetime) -> int:
    """Test set-up: a session written straight into the server's SQLite file."""
    with sqlite3.connect(database) as connection:
        cursor = connection.execute(
            'INSERT INTO group_session ("group", series, starts_at, ends_at, status, '
            "cancel_reason, location, topic, guide, sequence, roll_taken_at, updated_at) "
            "VALUES (?, NULL, ?, ?, 'scheduled', '', 'Balai warga', 'Pertemuan', NULL, 0, "
            "NULL, ?)",
            (group_id, str(starts_at), str(starts_at + timedelta(hours=2)), str(starts_at)),
        )
        return cursor.lastrowid


@pytest.fixture(scope="module")
def world(live_server) -> dict:
    database = live_server.env["LINGKAR_DATABASE_URL"]
    if database.startswith("postgres"):
        pytest.skip("this set-up writes sessions into the server's SQLite file")
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    facilitator, _ = live_server.account("facilitator")
    admin, _ = live_server.account("admin")
    api = live_server.api(facilitator)
    group = api.post(
        "/api/v1/groups",
        json={
            "name": f"Lingkar ibu {stamp}",
            "kind": "support",
            "purposes": ["mutual-aid", "reduce-isolation"],
            "capacity": 15,
            "timezone": "Asia/Jakarta",
            "location": "Balai warga",
        },
    ).json()
    other = api.post(
        "/api/v1/groups",
        json={
            "name": f"Forum Lombok {stamp}",
            "kind": "task",
            "purposes": ["social-change"],
            "capacity": 10,
            "timezone": "Asia/Makassar",
        },
    ).json()
    joined = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    names = [
        "Ayu Pratama", "Bima Wijaya", "Citra Santoso", "Dewi Lestari", "Eko Hidayat",
        "Fajar Saputra", "Gita Nugroho", "Hadi Sari", "Indah Pratama", "Joko Wijaya",
        "Kartika Santoso", "Lestari Hidayat",
    ]  # fmt: skip
    member_email = f"ayu-{stamp}@e2e.example"
    members = []
    for index, name in enumerate(names):
        body = {"display_name": name, "phone": f"0813-{stamp[:4]}-{index:04d}"}
        if index == 0:
            body |= {"email": member_email, "password": PASSWORD}
        member = api.post("/api/v1/members", json=body).json()
        api.post(
            f"/api/v1/groups/{group['id']}/members",
            json={"member_id": member["id"], "consent_given": True, "joined_on": joined},
        ).raise_for_status()
        members.append(member)
    drifter = api.post(
        "/api/v1/members",
        json={
            "display_name": "Made Wirata",
            "phone": f"+62 817 {stamp[:4]} 0099",
            "language": "id",
        },
    ).json()
    api.post(
        f"/api/v1/groups/{other['id']}/members",
        json={"member_id": drifter["id"], "consent_given": True, "joined_on": joined},
    ).raise_for_status()
    now = datetime.now(UTC).replace(microsecond=0)
    held = [insert_session(database, other["id"], now - timedelta(days=d)) for d in (14, 7)]
    for session_id in held:
        api.put(
            f"/api/v1/sessions/{session_id}/attendance",
            json={"records": [{"member_id": drifter["id"], "status": "absent"}]},
        ).raise_for_status()
    report_session = insert_session(database, group["id"], now - timedelta(days=20))
    api.put(
        f"/api/v1/sessions/{report_session}/attendance",
        json={"records": [{"member_id": m["id"], "status": "present"} for m in members]},
    ).raise_for_status()
    api.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={"starts_at": (now + timedelta(days=3)).isoformat(), "duration_minutes": 90},
    ).raise_for_status()
    return {
        "facilitator": facilitator,
        "admin": admin,
        "member_email": member_email,
        "group": group,
        "other": other,
        "members": members,
        "drifter": drifter,
        "database": database,
        "now": now,
        "report_session": report_session,
        "stamp": stamp,
    }


@pytest.fixture
def contexts(browser) -> Iterator:
    opened = []

    def make(language: str = "en", **options):
        context = browser.new_context(
            viewport=PHONE, extra_http_headers={"accept-language": LANGUAGES[language]}, **options
        )
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in opened:
        context.close()


def labels_clipped(page) -> list[str]:
    """Roll-call choices whose label does not fit its button."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.choice span, .chip span'))
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
            .map(e => e.textContent.trim())"""
    )


def test_every_page_fits_a_phone_and_passes_axe_in_both_languages(
    live_server, world, contexts, axe_source
):
    group, roll = world["group"]["id"], world["report_session"]
    pages = {
        None: ["/login", "/reminders/off/not-a-token"],
        world["facilitator"]: [
            "/dashboard",
            "/groups/new",
            f"/groups/{group}",
            f"/groups/{group}/rolls",
            f"/groups/{group}/members",
            f"/groups/{group}/report",
            f"/sessions/{roll}/roll",
            "/account/password",
            "/groups/99999999",
        ],
        world["admin"]: ["/admin/users", f"/groups/{group}/members"],
        world["member_email"]: ["/my", "/my/calendar-link", f"/my/sessions/{roll}/feedback"],
    }
    problems = []
    for who, paths in pages.items():
        page = contexts("en")
        if who is not None:
            log_in(page, live_server, who)
            page.wait_for_load_state()
        for language, header in LANGUAGES.items():
            page.set_extra_http_headers({"accept-language": header})
            for path in paths:
                page.set_viewport_size(PHONE)
                page.goto(live_server.url + path)
                assert page.locator("html").get_attribute("lang") == language, path
                if not fits_the_width(page):
                    problems.append(f"{language} {path}: scrolls sideways at 360 px")
                if "/roll" in path and labels_clipped(page):
                    problems.append(f"{language} {path}: clipped {labels_clipped(page)}")
                problems += [
                    f"{language} {path} phone: {v}" for v in axe_violations(page, axe_source)
                ]
                page.set_viewport_size(DESKTOP)
                problems += [
                    f"{language} {path} desktop: {v}" for v in axe_violations(page, axe_source)
                ]
    assert not problems, "\n".join(problems)


def test_a_roll_of_twelve_with_two_exceptions_in_five_taps(live_server, world, contexts):
    session_id = insert_session(
        world["database"], world["group"]["id"], world["now"] - timedelta(hours=3)
    )
    page = contexts("id")
    log_in(page, live_server, world["facilitator"])
    page.wait_for_url("**/dashboard")
    page.goto(f"{live_server.url}/sessions/{session_id}/roll")
    absent, excused = world["members"][3]["id"], world["members"][7]["id"]
    taps = 0

    def tap(selector: str) -> None:
        nonlocal taps
        taps += 1
        page.click(selector)

    tap("#all-present")  # Semua hadir
    tap(f"#member-{absent} label.status-absent")
    tap(f"#member-{excused} label.status-excused")
    tap("#save-roll")
    page.wait_for_selector(".flash.ok")
    assert taps <= 5
    assert page.locator(".flash.ok").inner_text() == "Presensi tersimpan: 10 hadir, 1 izin, 1 alpa."
    assert page.url.endswith(f"/sessions/{session_id}/roll#saved-roll")
    saved = page.locator("#saved-roll").inner_text()
    assert "Hadir" in saved and "Alpa" in saved and "present" not in saved


def test_saving_with_unmarked_members_asks_first_with_and_without_javascript(
    live_server, world, contexts
):
    group = world["group"]["id"]
    first = world["members"][0]["id"]
    with_js = insert_session(world["database"], group, world["now"] - timedelta(hours=5))
    page = contexts("en")
    log_in(page, live_server, world["facilitator"])
    page.wait_for_url("**/dashboard")
    page.goto(f"{live_server.url}/sessions/{with_js}/roll")
    page.click(f"#member-{first} label.status-present")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#save-roll")
    assert asked == ["Some members are not marked. Save and count them absent?"]
    assert page.locator(".flash").count() == 0  # dismissed: nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#save-roll")
    page.wait_for_selector(".flash.ok")
    assert "1 present, 11 not marked (counted absent)" in page.locator(".flash.ok").inner_text()

    without_js = insert_session(world["database"], group, world["now"] - timedelta(hours=7))
    plain = contexts("id", java_script_enabled=False)
    log_in(plain, live_server, world["facilitator"])
    plain.wait_for_url("**/dashboard")
    plain.goto(f"{live_server.url}/sessions/{without_js}/roll")
    plain.click(f"#member-{first} label.status-late")
    plain.click("#save-roll")
    plain.wait_for_selector("#confirm-unmarked")
    assert "11 anggota belum ditandai." in plain.locator("#confirm-unmarked").inner_text()
    assert plain.locator(f"#member-{first} input[value=late]").is_checked()  # kept
    plain.click("#all-present")  # the server marks the rest present; nothing saved yet
    assert plain.locator("input[value=present]:checked").count() == 11
    assert plain.locator(f"#member-{first} input[value=late]").is_checked()
    plain.click("#save-roll")
    plain.wait_for_selector(".flash.ok")
    assert plain.locator(".flash.ok").inner_text() == ("Presensi tersimpan: 11 hadir, 1 terlambat.")

    future = insert_session(world["database"], group, world["now"] + timedelta(days=2))
    plain.goto(f"{live_server.url}/sessions/{future}/roll")
    assert plain.locator("#not-started").count() == 1
    assert plain.locator("#roll-form").count() == 0


def test_reload_after_each_form_post_shows_the_page_again(live_server, world, contexts):
    group = world["group"]["id"]
    page = contexts("id")
    log_in(page, live_server, world["facilitator"])
    page.wait_for_url("**/dashboard")

    def reloads_to_the_page(expected_path: str) -> None:
        assert expected_path in page.url
        response = page.reload()
        assert response.status == 200
        assert "json" not in response.headers.get("content-type", "")
        assert page.locator("html").get_attribute("lang") == "id"

    page.goto(f"{live_server.url}/groups/{group}/members")
    page.fill("#new_name", "Wayan Sudarma")
    page.fill("#new_phone", "0857 1234 0000")
    page.fill("#joined_on", (datetime.now(UTC) - timedelta(days=14)).date().isoformat())
    page.check("input[name=consent_given]")
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    reloads_to_the_page(f"/groups/{group}/members#members")
    assert page.evaluate("location.hash") == "#members"

    page.goto(f"{live_server.url}/groups/{group}")
    page.click("#add-session summary")
    page.fill("#s-date", (datetime.now(UTC) + timedelta(days=30)).date().isoformat())
    page.fill("#s-time", "09:00")
    page.fill("#s-duration", "60")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    reloads_to_the_page(f"/groups/{group}#upcoming")

    page.goto(f"{live_server.url}/groups/{group}/enrol")  # the form's own address
    assert page.url.endswith(f"/groups/{group}/members")
    page.goto(f"{live_server.url}/sessions/{world['report_session']}/roll")
    page.click("#save-roll")
    page.wait_for_selector(".flash.ok")
    reloads_to_the_page("#saved-roll")

    page.click("form.language-switch button[lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(f"/sessions/{world['report_session']}/roll")
    page.click("form.language-switch button[lang=id]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "id"


def test_the_follow_up_list_offers_whatsapp_and_records_a_contact(live_server, world, contexts):
    page = contexts("id")
    log_in(page, live_server, world["facilitator"])
    page.wait_for_url("**/dashboard")
    drifter = world["drifter"]
    entry = page.locator(f"#follow-up-{world['other']['id']}-{drifter['id']}")
    assert "Alpa dalam 2 pertemuan terakhir" in entry.inner_text()
    link = entry.locator("a.whatsapp").get_attribute("href")
    number = "62817" + world["stamp"][:4] + "0099"
    assert link.startswith(f"https://wa.me/{number}?text=")
    assert unquote(link.split("?text=", 1)[1]).startswith("Halo Made, saya ")
    entry.locator("summary").click()
    entry.locator("input[value=reached]").check()
    entry.locator("textarea").fill("Sakit minggu lalu; datang lagi Selasa")
    entry.locator("button[type=submit]").click()
    page.wait_for_selector(".flash.ok")
    assert page.evaluate("location.hash") == f"#follow-up-{world['other']['id']}-{drifter['id']}"
    entry = page.locator(f"#follow-up-{world['other']['id']}-{drifter['id']}")
    assert "Terhubung" in entry.inner_text() and "datang lagi Selasa" in entry.inner_text()
    assert page.reload().status == 200
    assert "Terhubung" in entry.inner_text()
    assert fits_the_width(page)


def test_admins_manage_facilitators_passwords_accounts_and_member_logins(
    live_server, world, contexts
):
    group = world["group"]["id"]
    colleague, _ = live_server.account("facilitator")
    colleague_api = live_server.api(colleague)
    colleague_id = colleague_api.get("/api/v1/me").json()["id"]
    page = contexts("en")
    log_in(page, live_server, world["admin"])
    page.wait_for_url("**/dashboard")

    page.goto(f"{live_server.url}/groups/{group}/members")
    page.select_option("#facilitator", str(colleague_id))
    page.click("#facilitators + .card button:has-text('Assign')")
    page.wait_for_selector(".flash.ok")
    assert page.evaluate("location.hash") == "#facilitators"
    assert page.locator("#facilitator-list li").count() == 2
    page.locator("#facilitator-list li", has_text="Facilitator").last.locator("button").click()
    page.wait_for_selector(".flash.ok")
    assert page.locator("#facilitator-list li").count() == 1

    page.goto(f"{live_server.url}/admin/users")
    account = page.locator(f"#user-{colleague_id}")
    account.locator("summary").click()
    account.locator("button:has-text('Give a temporary password')").click()
    page.wait_for_selector("#temporary-password")
    temporary = page.locator("#temporary-password").inner_text()
    assert page.reload().status == 200
    assert page.locator("#temporary-password").count() == 0  # shown once
    assert colleague_api.get("/api/v1/me").status_code == 401  # its sessions ended

    other = contexts("id")
    log_in(other, live_server, colleague, temporary)
    other.wait_for_url("**/account/password")
    other.fill("#current_password", temporary)
    other.fill("#new_password", "kata sandi baru sekali")
    other.fill("#repeat_password", "kata sandi baru sekali")
    other.click("main button[type=submit]")
    other.wait_for_url("**/dashboard")

    account = page.locator(f"#user-{colleague_id}")
    account.locator("summary").click()
    account.locator("button:has-text('Deactivate')").click()
    page.wait_for_selector(".flash.ok")
    assert "Deactivated" in page.locator(f"#user-{colleague_id}").inner_text()
    other.goto(f"{live_server.url}/dashboard")
    assert other.url.endswith("/login")  # logged out at once
    account = page.locator(f"#user-{colleague_id}")
    account.locator("summary").click()
    account.locator("button:has-text('Reactivate')").click()
    page.wait_for_selector(".flash.ok")

    member = world["members"][5]
    page.select_option("#login-member", str(member["id"]))
    page.fill("#login-email", f"fajar-{colleague_id}@e2e.example")
    page.click("#member-login + form button[type=submit]")
    page.wait_for_selector("#temporary-password")
    password = page.locator("#temporary-password").inner_text()
    assert page.reload().status == 200
    fajar = contexts("id")
    log_in(fajar, live_server, f"fajar-{colleague_id}@e2e.example", password)
    fajar.wait_for_url("**/account/password")


def test_the_api_schema_page_works_without_the_internet(live_server, contexts):
    page = contexts("en")
    outside = []

    def only_lingkar(route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_lingkar)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/schema/swagger")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    assert not outside, outside
    assert not [e for e in errors if "Content Security Policy" in e], errors
