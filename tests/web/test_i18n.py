"""Lingkar speaks the reader's language: the saved choice, else ?lang= (remembered), else
Accept-Language, else LINGKAR_DEFAULT_LANGUAGE; pages, API details and vocabulary follow it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from babel.messages.pofile import read_po

from backend.app import create_app
from backend.lib.i18n import catalog_path, from_accept_language
from backend.settings import ConfigurationError, load_settings
from tests.conftest import http_client
from tests.web.conftest import days_ago, visible_text

ID = {"accept-language": "id-ID,id;q=0.9,en;q=0.5"}


def form_headers(client):
    return {"x-csrftoken": client.cookies.get("csrftoken", "")}


def english_only_messages() -> list[str]:
    """English catalog messages whose Indonesian differs (long enough not to be a name)."""
    with catalog_path("id").open("rb") as source:
        catalog = read_po(source, locale="id")
    return [
        m.id
        for m in catalog
        if m.id
        and m.string
        and m.string != m.id
        and len(m.id) >= 14
        and "{" not in m.id
        and "%(" not in m.id
    ]


def test_accept_language_is_read_by_its_weights():
    assert from_accept_language("id-ID,id;q=0.9,en;q=0.8") == "id"
    assert from_accept_language("fr;q=1, en;q=0.5, id;q=0.9") == "id"
    assert from_accept_language("fr, de") is None
    assert from_accept_language("en-GB") == "en"


@pytest.fixture
async def world(admin, facilitator, member_actor, new_group, enrol, make_sessions):
    group = await new_group(name="Lingkar ibu", timezone="Asia/Jakarta")
    member, record = await member_actor("Ani Lestari")
    await enrol(group["id"], record["id"], joined_on=days_ago(30).date().isoformat())
    (session,) = await make_sessions(group["id"], [days_ago(2)])
    await facilitator.client.put(
        f"/api/v1/sessions/{session}/attendance",
        json={"records": [{"member_id": record["id"], "status": "present"}]},
    )
    return {"group": group["id"], "session": session, "member": member}


async def test_every_page_is_indonesian_with_accept_language_id(app, admin, facilitator, world):
    g, s = world["group"], world["session"]
    pages = {
        admin.client: [
            "/dashboard",
            "/groups/new",
            f"/groups/{g}",
            f"/groups/{g}/rolls",
            f"/groups/{g}/members",
            f"/groups/{g}/report",
            f"/sessions/{s}/roll",
            "/admin/users",
            "/account/password",
            "/groups/987654",  # an error page
        ],
        world["member"].client: ["/my", "/my/calendar-link"],
    }
    english = english_only_messages()
    assert len(english) > 150
    async with http_client(app) as anonymous:
        pages[anonymous] = ["/login"]
        for client, paths in pages.items():
            for path in paths:
                response = await client.get(path, headers=ID)
                assert response.status_code in (200, 404), (path, response.status_code)
                assert '<html lang="id">' in response.text, path
                text = visible_text(response.text)
                left = [m for m in english if m in text]
                assert not left, f"{path} shows English: {left}"
                assert "Bahasa Indonesia" in text and "English" in text  # the switch
                english_page = await client.get(path, headers={"accept-language": "en"})
                assert '<html lang="en">' in english_page.text, path


async def test_a_saved_language_wins_over_the_browser(facilitator, world):
    client = facilitator.client
    saved = await client.patch("/api/v1/me", json={"language": "id"})
    assert saved.status_code == 200 and saved.json()["language"] == "id"
    assert (await client.get("/api/v1/me")).json()["language"] == "id"
    page = await client.get("/dashboard", headers={"accept-language": "en"})
    assert '<html lang="id">' in page.text and "Kelompok Anda" in page.text
    purposes = (await client.get("/api/v1/purposes")).json()
    assert purposes[0]["title"] == "Saling membantu"
    refused = await client.patch("/api/v1/me", json={"language": "fr"})
    assert refused.status_code == 400 and refused.json()["field"] == "language"
    back = await client.patch("/api/v1/me", json={"language": None})
    assert back.json()["language"] is None
    page = await client.get("/dashboard", headers={"accept-language": "en"})
    assert '<html lang="en">' in page.text


async def test_lang_parameter_is_remembered_in_a_cookie(app):
    async with http_client(app) as client:
        first = await client.get("/login?lang=id", headers={"accept-language": "en"})
        assert '<html lang="id">' in first.text
        assert "lingkar_lang=id" in first.headers.get("set-cookie", "")
        again = await client.get("/login", headers={"accept-language": "en"})
        assert '<html lang="id">' in again.text and "Masuk" in again.text


async def test_the_language_switch_works_logged_out_and_saves_when_logged_in(app, facilitator):
    async with http_client(app) as client:
        await client.get("/login")
        switched = await client.post(
            "/language", data={"lang": "id", "next": "/login"}, headers=form_headers(client)
        )
        assert switched.status_code == 303 and switched.headers["location"] == "/login"
        assert '<html lang="id">' in (await client.get("/login")).text
        away = await client.post(
            "/language",
            data={"lang": "en", "next": "https://elsewhere.example/"},
            headers=form_headers(client),
        )
        assert away.headers["location"] == "/"  # never to another site
    await facilitator.client.get("/dashboard")
    response = await facilitator.client.post(
        "/language",
        data={"lang": "id", "next": "/dashboard"},
        headers=form_headers(facilitator.client),
    )
    assert response.status_code == 303
    assert (await facilitator.client.get("/api/v1/me")).json()["language"] == "id"


async def test_purposes_follow_accept_language_and_lang(client):
    english = (await client.get("/api/v1/purposes")).json()
    assert english[0]["title"] == "Mutual aid"
    by_header = await client.get("/api/v1/purposes", headers=ID)
    assert by_header.json()[0]["title"] == "Saling membantu"
    assert by_header.headers["content-language"] == "id"
    by_parameter = (await client.get("/api/v1/purposes?lang=id")).json()
    assert [p["code"] for p in by_parameter] == [p["code"] for p in english]
    assert by_parameter[2]["title"] == "Mengurangi keterasingan"


async def test_the_default_language_is_configurable(settings, monkeypatch):
    app = create_app(replace(settings, default_language="id"))
    for hook in app.on_startup:
        await hook(app)
    try:
        async with http_client(app) as client:
            assert '<html lang="id">' in (await client.get("/login")).text
            purposes = (await client.get("/api/v1/purposes")).json()
            assert purposes[0]["title"] == "Saling membantu"
            english = await client.get("/login", headers={"accept-language": "en"})
            assert '<html lang="en">' in english.text
    finally:
        for hook in app.on_shutdown:
            await hook(app)
    monkeypatch.setenv("LINGKAR_DEFAULT_LANGUAGE", "fr")
    with pytest.raises(ConfigurationError):
        load_settings()
    monkeypatch.setenv("LINGKAR_DEFAULT_LANGUAGE", "id")
    assert load_settings().default_language == "id"


async def test_problem_details_are_in_the_readers_language_with_stable_codes(facilitator, world):
    body = {
        "name": "Kelompok",
        "kind": "support",
        "purposes": ["mutual-aid"],
        "capacity": 1,
        "timezone": "Asia/Jakarta",
    }
    english = await facilitator.client.post("/api/v1/groups", json=body)
    problem = english.json()
    assert english.status_code == 400
    assert problem["code"] == "capacity_out_of_range" and problem["field"] == "capacity"
    assert problem["detail"] == "capacity must be at least 2."
    indonesian = (await facilitator.client.post("/api/v1/groups", json=body, headers=ID)).json()
    assert indonesian["code"] == "capacity_out_of_range" and indonesian["field"] == "capacity"
    assert indonesian["detail"] == "capacity minimal 2."
    assert indonesian["title"] == "Permintaan tidak valid"
    bad_email = await facilitator.client.post(
        "/api/v1/members", json={"display_name": "Ani", "email": "not an email"}
    )
    assert bad_email.json()["code"] == "email_not_an_email"
    assert "regex" not in bad_email.text and "^" not in bad_email.json()["detail"]
    no_consent = await facilitator.client.post(
        f"/api/v1/groups/{world['group']}/members",
        json={"email": "nobody@test.example", "consent_given": False},
        headers=ID,
    )
    assert no_consent.json()["detail"].startswith("Tidak ada orang yang tercatat")
    series = await facilitator.client.post(
        f"/api/v1/groups/{world['group']}/sessions",
        json={
            "first_starts_at": "2027-03-01T10:00:00",
            "duration_minutes": 60,
            "rrule": "FREQ=WEEKLY",
        },
        headers=ID,
    )
    assert series.status_code == 422
    assert series.json()["code"] == "rrule_without_end" and series.json()["field"] == "rrule"
    assert series.json()["detail"].startswith("RRULE memerlukan akhir")
