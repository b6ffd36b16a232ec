"""The built site at /guides/: page directories without their trailing slash are redirected, so
relative stylesheets and links resolve; files and unknown paths are left alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from backend.guides.site import guides_site_router


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    site = tmp_path_factory.mktemp("site")
    for page in ("", "purposes/", "id/", "id/purposes/"):
        (site / page).mkdir(parents=True, exist_ok=True)
        (site / page / "index.html").write_text(f"<p>{page or 'home'}</p>", encoding="utf-8")
    (site / "assets").mkdir()
    (site / "assets/site.css").write_text("body{}", encoding="utf-8")
    (site / "404.html").write_text("<p>not found</p>", encoding="utf-8")
    (site / "empty").mkdir()
    with TestClient(Litestar([guides_site_router(site)])) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/guides", "/guides/"),
        ("/guides/id", "/guides/id/"),
        ("/guides/id/purposes", "/guides/id/purposes/"),
        ("/guides/purposes?lang=id", "/guides/purposes/?lang=id"),
    ],
)
def test_a_page_without_its_slash_is_redirected(client: TestClient, path: str, location: str):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == location


@pytest.mark.parametrize("path", ["/guides/", "/guides/id/purposes/", "/guides/assets/site.css"])
def test_pages_with_their_slash_and_files_are_served(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/guides/nowhere", "/guides/empty", "/guides/../guides/x"])
def test_unknown_paths_are_not_redirected(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 404


def test_the_redirect_keeps_the_visitor_inside_the_site(client: TestClient) -> None:
    response = client.get("/guides/id/purposes", follow_redirects=True)
    assert response.status_code == 200
    assert "id/purposes/" in response.text
