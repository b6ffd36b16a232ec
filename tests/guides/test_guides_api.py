from __future__ import annotations

from backend.guides.catalog import default_guides_dir, load_guides


async def test_guides_for_a_purpose_are_exactly_those_naming_it(client):
    expected = {
        (e.slug, e.lang)
        for e in load_guides(default_guides_dir())
        if "reduce-isolation" in e.purposes
    }
    assert expected, "the published guides should include some on reducing isolation"
    response = await client.get("/api/v1/guides", params={"purpose": "reduce-isolation"})
    assert response.status_code == 200
    got = {(g["slug"], g["lang"]) for g in response.json()}
    assert got == expected
    assert all("reduce-isolation" in g["purposes"] for g in response.json())


async def test_filters_combine_and_urls_point_into_the_site(client):
    response = await client.get("/api/v1/guides", params={"phase": "termination", "lang": "id"})
    guides = response.json()
    assert guides and all(g["phase"] == "termination" and g["lang"] == "id" for g in guides)
    assert all(g["url"] == f"/guides/id/guides/{g['slug']}/" for g in guides)
    by_kind = (await client.get("/api/v1/guides", params={"kind": "task"})).json()
    assert by_kind and all("task" in g["kinds"] for g in by_kind)


async def test_unknown_filter_values_are_a_4xx(client):
    for params in ({"purpose": "not-a-purpose"}, {"phase": "later"}, {"lang": "fr"}):
        response = await client.get("/api/v1/guides", params=params)
        assert response.status_code == 400, params
        assert response.headers["content-type"].startswith("application/problem+json")
