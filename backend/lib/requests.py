"""One way request bodies are read, with limits, for the API and the pages alike.

A body is at most :data:`MAX_BODY_BYTES`; JSON must be valid UTF-8 and nest at most
:data:`MAX_JSON_DEPTH` levels (no request of Lingkar's needs more than four). Anything else is
a 400 (or 413 for size) naming what is wrong, never a traceback.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException

from backend.lib.errors import BadRequest

MAX_BODY_BYTES = 1_000_000
MAX_JSON_DEPTH = 32
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body`` (strings are skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for match in _STRUCTURE.finditer(body):
        char = match.group()
        if in_string:
            if escaped:
                escaped = False
            elif char == b"\\":
                # Only the character right after a backslash is escaped.
                escaped = match.end() < len(body) and body[match.end() : match.end() + 1] in (
                    b'"',
                    b"\\",
                )
                if escaped:
                    continue
            elif char == b'"':
                in_string = False
            continue
        if char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif char in (b"]", b"}"):
            depth -= 1
    return deepest


def malformed_body(detail: str) -> BadRequest:
    return BadRequest(detail, code="malformed_body")


class LingkarRequest(Request):
    """Litestar's request with body limits every route shares."""

    async def json(self) -> Any:
        body = await self.body()
        # Counting brackets is fast; the exact scan runs only for a body that could be deep.
        if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and (
            json_depth(body) > MAX_JSON_DEPTH
        ):
            raise malformed_body(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
        try:
            return await super().json()
        except UnicodeDecodeError as exc:
            raise malformed_body("The request body is not valid UTF-8.") from exc
        except (msgspec.DecodeError, SerializationException, RecursionError) as exc:
            raise malformed_body("The request body is not valid JSON.") from exc
