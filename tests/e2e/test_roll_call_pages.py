"""Taking a roll on a phone, then the member seeing it on their own page."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def insert_session(database: str, group_id: int, starts_at: datetime) -> int:
    """Test set-up: a past session written straight into the server's SQLite file."""
    with sqlite3.connect(database) as connection:
        cursor = connection.execute(
            'INSERT INTO group_session ("group", series, starts_at, ends_at, status, '
            "cancel_reason, location, topic, guide, sequence, roll_taken_at, updated_at) "
            "VALUES (?, NULL, ?, ?, 'scheduled', '', 'Hall', 'Check-in', NULL, 0, NULL, ?)",
            (group_id, str(starts_at), str(starts_at + timedelta(hours=2)), str(starts_at)),
        )
        return cursor.lastrowid


def test_roll_on_a_phone_then_the_member_sees_it(live_server, phone_page, browser):
    database = live_server.env["LINGKAR_DATABASE_URL"]
    if database.startswith("postgres"):
        pytest.skip("this set-up writes the session into the server's SQLite file")
    email, _ = live_server.account("facilitator")
    api = live_server.api(email)
    group = api.post(
        "/api/v1/groups",
        json={
            "name": "Phone roll circle",
            "kind": "support",
            "purposes": ["mutual-aid", "reduce-isolation"],
            "capacity": 8,
            "timezone": "Asia/Jakarta",
        },
    ).json()
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    member_email = f"ani-{stamp}@e2e.example"
    ani = api.post(
        "/api/v1/members",
        json={"display_name": "Ani Roll", "email": member_email, "password": PASSWORD},
    ).json()
    bayu = api.post("/api/v1/members", json={"display_name": "Bayu Roll"}).json()
    joined = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    for member in (ani, bayu):
        response = api.post(
            f"/api/v1/groups/{group['id']}/members",
            json={"member_id": member["id"], "consent_given": True, "joined_on": joined},
        )
        assert response.status_code == 201, response.text
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    session_id = insert_session(database, group["id"], start)

    page = phone_page
    log_in(page, live_server, email)
    page.wait_for_url("**/dashboard")
    page.goto(f"{live_server.url}/groups/{group['id']}/rolls")
    page.click(f"a[href='/sessions/{session_id}/roll']")
    page.wait_for_url(f"**/sessions/{session_id}/roll")

    a, b = ani["id"], bayu["id"]
    # A purpose for an absent member: refused inline, nothing saved.
    page.click(f"#member-{b} label.status-absent")
    page.click(f"#member-{b} summary")
    page.click(f"#member-{b} label.chip:has-text('Mutual aid')")
    page.once("dialog", lambda dialog: dialog.accept())  # Ani is not marked yet: asked first
    page.click("button:has-text('Save the roll')")
    page.wait_for_selector(f"#error-{b}")
    assert "Nothing was saved" in page.locator(".flash.error").inner_text()
    assert page.locator(f"#member-{b} input[value=absent]").is_checked()
    page.click(f"#member-{b} label.chip:has-text('Mutual aid')")  # untick

    page.click(f"#member-{a} label.status-present")
    page.click(f"#member-{a} summary")
    page.click(f"#member-{a} label.choice:has-text('Contributed')")
    page.click(f"#member-{a} label.chip:has-text('Reducing isolation')")
    page.fill(f"#note-{a}", "Brought her neighbour along")
    box = page.locator(f"#member-{a} label.status-present span").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 60  # big enough to tap
    page.click("button:has-text('Save the roll')")
    page.wait_for_selector(".flash.ok")
    assert "Roll saved: 1 present, 1 absent" in page.locator(".flash.ok").inner_text()
    assert page.locator(f"#member-{a} input[value=present]").is_checked()
    assert page.locator(f"#note-{a}").input_value() == "Brought her neighbour along"
    saved = page.locator("#saved-roll").inner_text()
    assert "Ani Roll" in saved and "Reducing isolation" in saved
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the roll page scrolls sideways on a phone ({width}px)"

    page.goto(f"{live_server.url}/groups/{group['id']}/report")
    assert page.locator("svg.chart").count() == 2
    assert "Ani Roll" in page.locator("#members-table").inner_text()
    page.screenshot(path=str(live_server.env["LINGKAR_VAR_DIR"]) + "/report.png", full_page=True)

    member_context = browser.new_context(viewport={"width": 390, "height": 844})
    member_page = member_context.new_page()
    try:
        log_in(member_page, live_server, member_email)
        member_page.wait_for_url("**/my")
        text = member_page.locator("#my-attendance").inner_text()
        assert "Present" in text and "Phone roll circle" in text
        assert member_page.locator("#my-rate").inner_text() == "100%"
        assert "neighbour" not in member_page.content()
    finally:
        member_context.close()
