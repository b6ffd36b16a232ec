"""The guides site served by Lingkar at /guides/: both languages, search, the language switch
from the home page and from a deep page (both ways, landing on the styled counterpart), nothing
loaded from outside, and no page that scrolls sideways on a 360-pixel phone."""

from __future__ import annotations

from pathlib import Path

import pytest

SWITCH_ROUTES = [
    # (English page, its Indonesian counterpart), relative to /guides/
    ("", "id/"),
    ("family-therapy/milan-systemic/", "id/family-therapy/milan-systemic/"),
    ("guides/crisis-during-a-session/", "id/guides/crisis-during-a-session/"),
]


def test_site_is_served_in_both_languages(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/guides/")
    assert "Lingkar" in page.title()
    page.goto(live_server.url + "/guides/purposes/")
    assert page.locator("#mutual-aid").count() == 1
    page.goto(live_server.url + "/guides/id/purposes/")
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("#mutual-aid").count() == 1


@pytest.mark.parametrize(
    ("prefix", "query"), [("/guides/", "isolation"), ("/guides/id/", "kesepian")]
)
def test_search_finds_pages_in_each_language(live_server, browser, prefix, query):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(live_server.url + prefix)
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")  # Material's shortcut that opens the search box
    page.locator("input.md-search__input").type(query, delay=20)
    page.wait_for_selector(".md-search-result__item")
    results = page.locator(".md-search-result__item").all_inner_texts()
    assert any(query[1:] in text.lower() for text in results), results
    context.close()


def assert_styled_page(page, url: str, lang: str) -> None:
    """The browser is at ``url``, in ``lang``, with the theme's stylesheet applied."""
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == lang
    header = page.locator("header.md-header")
    assert header.count() == 1
    assert header.evaluate("el => getComputedStyle(el).position") == "sticky"
    assert page.evaluate(
        """() => [...document.styleSheets].some(
               s => s.href && s.href.includes('/assets/stylesheets/main.') && s.cssRules.length)"""
    )
    assert page.locator(".lingkar-cite").count() == 1


def switch_language(page, lang: str) -> None:
    page.locator(".md-header .md-select button").click()  # focus opens the language menu
    with page.expect_navigation():
        page.locator(f".md-select__link[hreflang={lang}]").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize(("english", "indonesian"), SWITCH_ROUTES)
def test_the_language_switch_leads_to_the_styled_counterpart_both_ways(
    live_server, phone_page, english: str, indonesian: str
):
    page = phone_page
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    base = live_server.url + "/guides/"
    page.goto(base + english)
    assert_styled_page(page, base + english, "en")
    switch_language(page, "id")
    assert_styled_page(page, base + indonesian, "id")
    switch_language(page, "en")
    assert_styled_page(page, base + english, "en")
    assert outside == []


def test_a_page_address_without_its_slash_still_gets_a_styled_page(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/guides/id/purposes")
    assert_styled_page(page, live_server.url + "/guides/id/purposes/", "id")


def test_no_page_scrolls_sideways_on_a_360_pixel_phone(live_server, browser, built_site: Path):
    context = browser.new_context(viewport={"width": 360, "height": 780})
    # Layout does not depend on search: skip the index each page would otherwise fetch and parse.
    context.route("**/search/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(20_000)
    wide: list[tuple[str, int]] = []
    pages = sorted(built_site.rglob("index.html"))
    assert len(pages) >= 100
    for built in pages:
        rel = built.relative_to(built_site).parent.as_posix()
        path = "" if rel == "." else rel + "/"
        page.goto(f"{live_server.url}/guides/{path}", wait_until="load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide.append((path, width))
    context.close()
    assert wide == []
