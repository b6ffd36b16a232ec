"""Schemathesis checks of Lingkar's own, loaded through SCHEMATHESIS_HOOKS."""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@schemathesis.check
def no_note_for_members(ctx, response, case) -> None:
    """A member's responses never carry a confidential note."""
    if os.environ.get("LINGKAR_FUZZ_ROLE") != "member":
        return
    if "json" not in response.headers.get("content-type", [""])[0]:
        if b"note" in (response.content or b"").lower() and "calendar" in case.path:
            raise AssertionError("a member's calendar feed mentions a note")
        return
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return
    if "note" in _keys(body):
        raise AssertionError(f"a member's response to {case.path} carries a note")
