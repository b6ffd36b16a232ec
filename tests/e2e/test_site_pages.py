"""The guides site served by Lingkar at /guides/, in both languages, with search working."""

from __future__ import annotations

import pytest


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
