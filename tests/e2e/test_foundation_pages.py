"""Login, plan a group, enrol past capacity and see the waiting list — in a real browser."""

from __future__ import annotations

from tests.e2e.conftest import log_in


def test_facilitator_plans_group_and_fills_waitlist(live_server, phone_page):
    email, _ = live_server.account("facilitator")
    page = phone_page
    log_in(page, live_server, email)
    page.wait_for_url("**/dashboard")
    page.click("text=Plan a new group")
    page.fill("#name", "Browser circle")
    page.select_option("#kind", "support")
    page.check("input[value=mutual-aid]")
    page.check("input[value=reduce-isolation]")
    page.fill("#capacity", "2")
    page.select_option("#timezone", "Asia/Jakarta")
    page.click("button:has-text('Create group')")
    page.wait_for_url("**/groups/*")
    assert page.locator("h1").inner_text() == "Browser circle"
    page.click("nav.sections a:has-text('Members')")

    for name in ("Ani", "Bayu", "Cahya"):
        page.fill("#new_name", name)
        page.check("input[name=consent_given]")
        page.click("#enrol-form button[type=submit]")
        page.wait_for_selector(".flash")
        assert page.url.endswith("/members#members")

    assert "number 1 on the waiting list" in page.locator(".flash").inner_text()
    waitlist = page.locator("#waitlist + .card").inner_text()
    assert "Cahya" in waitlist
    roster = page.locator("#roster").inner_text()
    assert "Ani" in roster and "Bayu" in roster and "Cahya" not in roster
    page.screenshot(path=str(live_server.env["LINGKAR_VAR_DIR"]) + "/group.png", full_page=True)


def test_wrong_password_shows_a_message(live_server, phone_page):
    email, _ = live_server.account("facilitator")
    log_in(phone_page, live_server, email, "not the password")
    assert "not right" in phone_page.locator(".flash").inner_text()
