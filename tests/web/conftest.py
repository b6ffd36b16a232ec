"""Fixtures and helpers of the page tests: sessions inserted directly (see
tests/attendance/conftest.py), and the text a person sees on a page."""

from __future__ import annotations

import html
import re

from tests.attendance.conftest import days_ago, make_sessions

__all__ = ["days_ago", "make_sessions", "visible_text"]


def visible_text(page: str) -> str:
    """A page's text without its markup, scripts and styles."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))
