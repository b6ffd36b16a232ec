"""Build the real site with `mkdocs build --strict` and check what trainers and guides rely on."""

from __future__ import annotations

import functools
import importlib.util
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from backend.domain import PURPOSE_CODES
from tests.conftest import mkdocs_build

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site"
GUIDES = REPO / "facilitator_guides"

pytestmark = pytest.mark.slow


def purpose_codes_in(html: Path) -> list[str]:
    return re.findall(r'<h2[^>]*\bdata-purpose="([^"]+)"', html.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", ["purposes/index.html", "id/purposes/index.html"])
def test_purposes_page_lists_the_six_codes_in_order(built_site: Path, page: str) -> None:
    html = built_site / page
    assert purpose_codes_in(html) == list(PURPOSE_CODES)
    ids = re.findall(r'<h2[^>]*\bid="([^"]+)"', html.read_text(encoding="utf-8"))
    assert [i for i in ids if i in PURPOSE_CODES] == list(PURPOSE_CODES)


def test_purpose_titles_are_in_the_page_language(built_site: Path) -> None:
    from backend.domain import PURPOSES

    en = (built_site / "purposes/index.html").read_text(encoding="utf-8")
    id_ = (built_site / "id/purposes/index.html").read_text(encoding="utf-8")
    for purpose in PURPOSES:
        assert purpose.title in en
        assert purpose.title_id in id_


def english_sources() -> list[Path]:
    pages = [p for p in SITE.rglob("*.md") if not p.name.endswith(".id.md")]
    return sorted(pages) + sorted(p for p in GUIDES.glob("*.md") if not p.name.endswith(".id.md"))


def test_every_english_page_has_an_indonesian_counterpart() -> None:
    missing = [
        str(p.relative_to(REPO))
        for p in english_sources()
        if not p.with_name(p.name.removesuffix(".md") + ".id.md").is_file()
    ]
    assert missing == []
    orphans = [
        str(p.relative_to(REPO))
        for p in [*SITE.rglob("*.id.md"), *GUIDES.glob("*.id.md")]
        if not p.with_name(p.name.removesuffix(".id.md") + ".md").is_file()
    ]
    assert orphans == []


def test_built_indonesian_tree_has_every_english_page(built_site: Path) -> None:
    english = {
        p.relative_to(built_site).as_posix()
        for p in built_site.rglob("index.html")
        if not p.relative_to(built_site).as_posix().startswith("id/")
    }
    indonesian = {
        p.relative_to(built_site / "id").as_posix() for p in (built_site / "id").rglob("index.html")
    }
    assert english, "nothing built"
    assert english - indonesian == set()
    for guide in GUIDES.glob("*.id.md"):
        slug = guide.name.removesuffix(".id.md")
        assert (built_site / "id/guides" / slug / "index.html").is_file()
        assert (built_site / "guides" / slug / "index.html").is_file()


def test_guide_pages_carry_a_card_linking_to_purposes(built_site: Path) -> None:
    guides = sorted(GUIDES.glob("*.id.md"))
    if not guides:
        pytest.skip("no facilitator guides yet")
    slug = guides[0].name.removesuffix(".id.md")
    for prefix in ("", "id/"):
        html = (built_site / f"{prefix}guides/{slug}/index.html").read_text(encoding="utf-8")
        assert 'class="lingkar-card"' in html
        links = re.findall(r'class="lingkar-badge"[^>]*href="([^"]+)"', html)
        assert links and all(re.fullmatch(r"\.\./\.\./purposes/#[a-z-]+", h) for h in links)


def test_every_page_says_how_to_cite_it(built_site: Path) -> None:
    for page in ("index.html", "purposes/index.html", "id/ethics/index.html"):
        html = (built_site / page).read_text(encoding="utf-8")
        assert 'class="lingkar-cite"' in html
        assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">', html)


def test_a_guide_with_an_unknown_purpose_fails_the_build(tmp_path: Path) -> None:
    guides = tmp_path / "guides"
    if GUIDES.is_dir() and any(GUIDES.glob("*.md")):
        shutil.copytree(GUIDES, guides)
    else:
        guides.mkdir()
    bad = guides / "bad-guide.md"
    bad.write_text(
        "---\ntitle: Bad\nsummary: A guide with a purpose that does not exist.\n"
        "purposes: [not-a-purpose]\nphase: planning\nkinds: [support]\n"
        "duration_minutes: 60\ngroup_size: {min: 4, max: 10}\nmaterials: []\n---\n\n# Bad\n",
        encoding="utf-8",
    )
    shutil.copyfile(bad, guides / "bad-guide.id.md")
    result = mkdocs_build(tmp_path / "out", env={"LINGKAR_GUIDES_DIR": str(guides)})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(
        r"bad-guide(\.id)?\.md: purposes: unknown purpose code 'not-a-purpose'", output
    )


@pytest.fixture()
def served_site(built_site: Path) -> Iterator[str]:
    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def end_headers(self) -> None:
            # linkchecker allows more than 10 requests a second only to servers that opt in.
            self.send_header("LinkChecker", "allow")
            super().end_headers()

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_no_broken_internal_links_or_anchors(served_site: str, tmp_path: Path) -> None:
    # Served over HTTP because linkchecker's AnchorCheck cannot check anchors on directory
    # URLs (``purposes/#mutual-aid``) when reading local files.
    if importlib.util.find_spec("linkcheck") is None:
        pytest.skip("linkchecker is not installed (pip install linkchecker)")
    config = tmp_path / "linkcheckerrc"
    config.write_text(
        "[checking]\nthreads=8\ntimeout=20\nmaxrequestspersecond=200\n[filtering]\ncheckextern=0\n[AnchorCheck]\n",
        encoding="utf-8",
    )
    script = Path(sys.executable).with_name("linkchecker")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "linkcheck"]
    result = subprocess.run(
        [
            *command,
            "--config",
            str(config),
            "--no-status",
            "--no-warnings",
            "-o",
            "text",
            served_site,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
