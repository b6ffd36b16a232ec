"""A hostile-input corpus against every route of the API and of the pages.

Nested JSON, invalid UTF-8, integers beyond 64 bits, years 1 and 9999 with offsets of +14:00
and -12:00, control characters, 1 MB strings, lone surrogates, empty and wrong content types —
in path parameters, query strings and bodies, as an admin (who passes every guard) and
anonymously. No answer is a 5xx, and no error is logged with a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from litestar import Litestar

HUGE = (2**64, 2**63, 10**30, -1, 0)
TIMES = (
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "0.5",
    "1e400",
    "2026-13-45T99:99:99",
    "\x00\x1f",
    "",
)
DATES = ("0001-01-01", "9999-12-31", "2026-02-30", "0.5", "")
CONTROL = "line\nbreak\rreturn\x00nul\x1bescape\x7fdel\x85nel"
LONG = "x" * 1_000_000
BODIES: tuple[tuple[bytes, str], ...] = (
    (b"[" * 1000 + b"]" * 1000, "application/json"),
    (b'{"a":' * 900 + b"1" + b"}" * 900, "application/json"),
    (b'{"name": "\xff\xfe invalid utf-8"}', "application/json"),
    (b'{"name": "\\ud800 lone surrogate", "display_name": "\\udfff"}', "application/json"),
    (b'{"id": 18446744073709551616, "member_id": 99999999999999999999999}', "application/json"),
    (b"", "application/json"),
    (b"null", "application/json"),
    (b"not json at all", "application/json"),
    (b'{"name": "ok"}', "text/plain"),
    (b"name=%FF%FE&email=%00&consent_given=1", "application/x-www-form-urlencoded"),
    (
        b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\r\n--x--',
        "multipart/form-data",
    ),
)
TEXT_FIELDS = ("name", "display_name", "topic", "location", "description", "cancel_reason", "note")
INT_PATH = re.compile(r"\{(\w+):int\}")
STR_PATH = re.compile(r"\{(\w+)(?::str|:path)?\}")


def _body_with(value: Any) -> dict[str, Any]:
    return {
        **{field: value for field in TEXT_FIELDS},
        "starts_at": value,
        "first_starts_at": value,
        "joined_on": value,
        "email": value,
        "records": [{"member_id": 1, "status": "present", "note": value}],
    }


def routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in ("OPTIONS", "HEAD"):
                continue
            found.append((method, route.path))
    return sorted(set(found))


def concrete(path: str, number: int = 1) -> str:
    return STR_PATH.sub("x.ics", INT_PATH.sub(str(number), path))


def _requests(method: str, path: str) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = []
    if INT_PATH.search(path):
        requests += [{"url": concrete(path, n)} for n in HUGE]
    base = concrete(path)
    # One query parameter at a time: one refused parameter must not hide another's crash.
    for name in ("from", "to", "left_on"):
        requests += [{"url": base, "params": {name: value}} for value in (*TIMES, *DATES)]
    for name in ("group", "notes", "limit", "offset"):
        requests += [{"url": base, "params": {name: value}} for value in (*HUGE, "0.5", "")]
    requests.append({"url": base, "params": {"q": CONTROL, "email": CONTROL, "phone": CONTROL}})
    requests.append({"url": base + "?from=%ED%A0%80&to=%FF"})
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        requests += [
            {"url": base, "content": body, "headers": {"content-type": kind}}
            for body, kind in BODIES
        ]
        for value in (CONTROL, LONG, "\ud800", *TIMES[:2], 2**70, [[[[[]]]]], {"a": {"b": 1}}):
            # JSON with \u escapes, so even a lone surrogate can be sent.
            requests.append(
                {
                    "url": base,
                    "content": json.dumps(_body_with(value)).encode(),
                    "headers": {"content-type": "application/json"},
                }
            )
    return requests


def _tracebacks(records: list[logging.LogRecord]) -> list[str]:
    return [
        f"{r.levelname} {r.getMessage()}"
        for r in records
        if r.exc_info or "Traceback" in r.getMessage() or r.levelno >= logging.ERROR
    ]


async def test_no_hostile_input_gets_a_server_error(app, admin, new_group, caplog) -> None:
    caplog.set_level(logging.INFO)
    await new_group()
    failures = []
    sent = 0
    for method, path in routes(app):
        if path in ("/api/v1/auth/logout", "/logout"):
            continue  # would end the admin's session half-way
        for request in _requests(method, path):
            if request.get("content") and len(request["content"]) > 2_000_000:
                continue
            response = await admin.client.request(method, **request)
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{method} {request['url']} -> {response.status_code}")
    assert sent > 500, sent
    assert not failures, failures[:20]
    assert not _tracebacks(caplog.records), _tracebacks(caplog.records)[:10]


@pytest.mark.parametrize(
    "body",
    [b"[" * 1000 + b"]" * 1000, b'{"email": "\xff", "password": "x"}', b'"\\ud800"'],
    ids=["nested", "invalid-utf8", "surrogate"],
)
async def test_anonymous_hostile_login_is_a_clear_400(client, body, caplog) -> None:
    caplog.set_level(logging.INFO)
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("malformed_body", "invalid_field")
    assert not _tracebacks(caplog.records)


@pytest.mark.parametrize("number", [2**63, 2**64, 10**30])
async def test_page_ids_beyond_64_bits_are_a_page_not_a_crash(admin, number) -> None:
    for path in (
        f"/groups/{number}",
        f"/sessions/{number}/roll",
        f"/groups/{number}/report",
    ):
        response = await admin.client.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), path
    posted = await admin.client.post(
        f"/groups/{number}/enrol", data={"new_name": "X", "consent_given": "1"}
    )
    assert posted.status_code in (400, 404)


def _templates(group: int, member: int, session: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Valid bodies of the writes that take people's text and times: each field in turn is
    replaced by a hostile value, so no other field's refusal hides it."""
    return [
        (
            "POST",
            "/api/v1/groups",
            {
                "name": "G",
                "kind": "support",
                "purposes": ["mutual-aid"],
                "capacity": 5,
                "timezone": "Asia/Jakarta",
                "description": "d",
                "location": "l",
            },
        ),
        ("PATCH", f"/api/v1/groups/{group}", {"name": "G", "location": "l", "description": "d"}),
        ("POST", "/api/v1/members", {"display_name": "M", "email": "m@x.example", "phone": "0812"}),
        (
            "POST",
            f"/api/v1/groups/{group}/members",
            {"member_id": member, "consent_given": True, "joined_on": "2026-01-01"},
        ),
        (
            "POST",
            f"/api/v1/groups/{group}/sessions",
            {"starts_at": "2026-03-01T10:00:00", "duration_minutes": 60, "topic": "t"},
        ),
        (
            "POST",
            f"/api/v1/groups/{group}/sessions",
            {
                "first_starts_at": "2026-03-01T10:00:00",
                "duration_minutes": 60,
                "rrule": "FREQ=WEEKLY;COUNT=3",
                "location": "l",
            },
        ),
        (
            "PATCH",
            f"/api/v1/sessions/{session}",
            {"starts_at": "2026-03-02T10:00:00", "topic": "t", "cancel_reason": "c"},
        ),
        (
            "PUT",
            f"/api/v1/sessions/{session}/attendance",
            {"records": [{"member_id": member, "status": "present", "note": "n"}]},
        ),
        (
            "POST",
            "/api/v1/users",
            {
                "email": "u@x.example",
                "display_name": "U",
                "role": "facilitator",
                "password": "long enough",
            },
        ),
        (
            "POST",
            "/api/v1/curricula",
            {
                "name": "C",
                "language": "id",
                "steps": [{"code": "S1", "title": "t", "module": "m", "guide": "co-facilitation"}],
            },
        ),
    ]


HOSTILE_VALUES = (
    CONTROL,
    LONG,
    "\ud800",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01",
    "9999-12-31",
    "UNTIL=99991231",
    "FREQ=DAILY;UNTIL=99991231T235959Z",
    2**70,
    -(2**70),
    1e308,
    [[[[[[]]]]]],
    {"a": {"b": {"c": 1}}},
    None,
)


@pytest.fixture
async def one_of_each(admin, new_group, new_member, enrol) -> tuple[int, int, int]:
    """A group, an enrolled member and a session: (group id, member id, session id)."""
    group = await new_group()
    member = await new_member()
    await enrol(group["id"], member["id"], joined_on="2025-01-01")
    made = await admin.client.post(
        f"/api/v1/groups/{group['id']}/sessions",
        json={"starts_at": "2025-06-01T10:00:00", "duration_minutes": 60},
    )
    return group["id"], member["id"], made.json()["sessions"][0]["id"]


async def test_every_field_of_every_write_survives_hostile_values(
    app, admin, one_of_each, caplog
) -> None:
    caplog.set_level(logging.INFO)
    group, member, session = one_of_each
    failures = []
    sent = 0
    for method, url, template in _templates(group, member, session):
        for field in template:
            for value in HOSTILE_VALUES:
                body = {**template, field: value}
                if field == "records":
                    body = {"records": [{**template["records"][0], "note": value}]}
                if field == "steps":
                    step = template["steps"][0]
                    part = ("code", "title", "module", "guide")[sent % 4]
                    body = {**template, "steps": [{**step, part: value}]}
                response = await admin.client.request(
                    method,
                    url,
                    content=json.dumps(body).encode(),
                    headers={"content-type": "application/json"},
                )
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"{method} {url} {field}={str(value)[:40]!r}")
    assert sent > 400, sent
    assert not failures, failures[:20]
    assert not _tracebacks(caplog.records), _tracebacks(caplog.records)[:10]


async def test_every_field_of_every_page_form_survives_hostile_values(
    app, admin, one_of_each, caplog
) -> None:
    caplog.set_level(logging.INFO)
    g, m, session = one_of_each
    forms = [
        (
            "/groups/new",
            {
                "name": "G",
                "kind": "support",
                "purposes": "mutual-aid",
                "capacity": "5",
                "timezone": "Asia/Jakarta",
                "phase": "engagement",
                "location": "l",
                "description": "d",
            },
        ),
        (f"/groups/{g}/enrol", {"new_name": "N", "new_email": "n@x.example", "consent_given": "1"}),
        (
            f"/groups/{g}/enrol",
            {"member_id": str(m), "consent_given": "1", "joined_on": "2025-01-01"},
        ),
        (
            f"/groups/{g}/sessions",
            {
                "date": "2026-03-01",
                "time": "10:00",
                "duration": "60",
                "repeat": "weekly",
                "count": "3",
                "topic": "t",
                "location": "l",
            },
        ),
        (f"/groups/{g}/sessions/{session}/reschedule", {"date": "2026-04-01", "time": "09:00"}),
        (f"/groups/{g}/sessions/{session}/cancel", {"cancel_reason": "rain", "scope": "this"}),
        (f"/sessions/{session}/roll", {f"status-{m}": "present", f"note-{m}": "n"}),
        (
            "/admin/users",
            {"email": "p@x.example", "display_name": "P", "role": "admin", "password": "long pw!"},
        ),
    ]
    values = (
        CONTROL,
        "x" * 200_000,
        "0001-01-01",
        "9999-12-31",
        "99:99",
        "-1",
        str(2**70),
        "\ufffd\ufffe",
        "",
    )
    failures = []
    for url, template in forms:
        for field in template:
            for value in values:
                response = await admin.client.post(url, data={**template, field: value})
                if response.status_code >= 500:
                    failures.append(f"POST {url} {field}={value[:30]!r}")
    assert not failures, failures[:20]
    assert not _tracebacks(caplog.records), _tracebacks(caplog.records)[:10]
