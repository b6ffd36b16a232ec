"""Scheduling on a phone: a weekly series on the group page, a clash shown inline, and a
member's upcoming sessions with their calendar link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def group_body(name: str) -> dict:
    return {
        "name": name,
        "kind": "support",
        "purposes": ["mutual-aid"],
        "capacity": 8,
        "timezone": "Europe/Berlin",
        "location": "",
    }


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_series_on_the_group_page_then_a_clash_is_shown(live_server, phone_page):
    email, _ = live_server.account("facilitator")
    api = live_server.api(email)
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    first = api.post("/api/v1/groups", json=group_body(f"Thursday circle {stamp}")).json()
    second = api.post("/api/v1/groups", json=group_body(f"Second circle {stamp}")).json()
    member_email = f"siti-{stamp}@e2e.example"
    member = api.post(
        "/api/v1/members",
        json={"display_name": "Siti Browser", "email": member_email, "password": PASSWORD},
    ).json()
    api.post(
        f"/api/v1/groups/{first['id']}/members",
        json={"member_id": member["id"], "consent_given": True},
    ).raise_for_status()
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()

    page = phone_page
    log_in(page, live_server, email)
    page.wait_for_url("**/dashboard")
    page.goto(f"{live_server.url}/groups/{first['id']}")
    page.fill("#s-date", day)
    page.fill("#s-time", "18:00")
    page.fill("#s-duration", "90")
    page.select_option("#s-repeat", "weekly")
    page.fill("#s-count", "6")
    page.fill("#s-topic", "Sharing circle")
    page.select_option("#s-guide", "mutual-aid-circle")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert "Scheduled 6 sessions." in page.locator(".flash.ok").inner_text()
    upcoming = page.locator("#upcoming-sessions li.session")
    assert upcoming.count() == 6
    assert all("18:00" in upcoming.nth(i).inner_text() for i in range(6))
    assert page.locator("#upcoming-sessions a[href='/guides/guides/mutual-aid-circle/']").count()
    assert fits_the_phone(page)

    # Cancel the second one with a reason: it stays listed, marked in words.
    second_session = upcoming.nth(1)
    second_session.locator("summary").click()
    second_session.locator("input[name=cancel_reason]").fill("Public holiday")
    second_session.locator("button:has-text('Cancel session')").click()
    page.wait_for_selector(".flash.ok")
    assert "Cancelled" in page.locator("#upcoming-sessions li.session").nth(1).inner_text()

    # The same facilitator, another group, overlapping times: the clash is shown inline.
    page.goto(f"{live_server.url}/groups/{second['id']}")
    page.fill("#s-date", day)
    page.fill("#s-time", "19:00")
    page.fill("#s-duration", "60")
    page.select_option("#s-repeat", "weekly")
    page.fill("#s-count", "3")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector("#schedule-clashes")
    clashes = page.locator("#schedule-clashes li")
    # The cancelled second week does not clash; the first and third do.
    assert clashes.count() == 2
    assert "already in session" in clashes.first.inner_text()
    assert "nothing was saved" in page.locator(".flash.error").inner_text().lower()
    assert page.locator("#s-date").input_value() == day
    assert fits_the_phone(page)
    page.screenshot(
        path=str(live_server.env["LINGKAR_VAR_DIR"]) + "/schedule-clash.png", full_page=True
    )

    # Skipping the clashing dates schedules the rest.
    page.check("input[name=skip_clashes]")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    done = page.locator(".flash.ok").inner_text()
    assert "Scheduled 1 session." in done and "Skipped because they clash" in done

    # The member sees their sessions and gets a working private calendar link.
    page.click("text=Log out")
    page.wait_for_url("**/login")
    log_in(page, live_server, member_email)
    page.wait_for_url("**/my")
    mine = page.locator("#my-sessions li")
    assert mine.count() == 6
    assert "Cancelled" in mine.nth(1).inner_text()
    page.click("text=Show my calendar link")
    url = page.locator("#calendar-url").input_value()
    assert url.startswith(live_server.url + "/api/v1/calendar/") and url.endswith(".ics")
    assert fits_the_phone(page)
    feed = httpx.get(url, timeout=10)
    assert feed.status_code == 200 and feed.text.count("BEGIN:VEVENT") == 6
    assert "STATUS:CANCELLED" in feed.text and "Siti" not in feed.text
