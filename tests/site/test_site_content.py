"""What the second edition of the guides site promises, read from the sources and from the site
built once per test session: every page cites itself fully, nothing loads from outside the site,
every guide and model page has an Indonesian twin with the same sections, guides follow the
order of a group's life, and the safety, reference and wording fixes hold."""

from __future__ import annotations

import html
import os
import re
import tomllib
from pathlib import Path

import pytest

from backend.domain import PHASES

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site"
GUIDES = REPO / "facilitator_guides"
DEFAULT_SITE_URL = "http://127.0.0.1:8000/guides/"
GROUP_LIFE = [
    "planning",
    "engagement",
    "assessment",
    "intervention",
    "monitoring",
    "evaluation",
    "termination",
]

pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------------------------
# helpers


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def h2_headings(path: Path) -> list[str]:
    """The second-level headings of a Markdown file (outside fenced code), ids stripped."""
    headings, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            headings.append(re.sub(r"\s*\{[^}]*\}\s*$", "", line[3:]).strip())
    return headings


def twin(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".md") + ".id.md")


def english_pages() -> list[Path]:
    pages = [p for p in SITE.rglob("*.md") if not p.name.endswith(".id.md")]
    guides = [p for p in GUIDES.glob("*.md") if not p.name.endswith(".id.md")]
    return sorted(pages) + sorted(guides)


def built_pages(built_site: Path) -> list[Path]:
    return sorted(built_site.rglob("index.html"))


def page_path(built_site: Path, page: Path) -> str:
    """``purposes/index.html`` -> ``purposes/``; the home page -> ``""``."""
    rel = page.relative_to(built_site).parent.as_posix()
    return "" if rel == "." else rel + "/"


def model_pages() -> list[Path]:
    return sorted(
        p
        for p in (SITE / "family-therapy").glob("*.md")
        if not p.name.endswith(".id.md") and p.name != "index.md"
    )


# --------------------------------------------------------------------------------------------
# structure and counts


def test_at_least_22_guides_and_10_model_pages_each_with_an_indonesian_twin() -> None:
    guides = [p for p in GUIDES.glob("*.md") if not p.name.endswith(".id.md")]
    models = model_pages()
    assert len(guides) >= 22, sorted(p.name for p in guides)
    assert len(models) >= 10, [p.name for p in models]
    for page in [*guides, *models]:
        assert twin(page).is_file(), f"{page.name} has no Indonesian twin"


def test_every_indonesian_twin_has_the_same_sections() -> None:
    """Same number of second-level headings, page by page, guides included."""
    for page in english_pages():
        english, indonesian = h2_headings(page), h2_headings(twin(page))
        assert len(english) == len(indonesian), (
            f"{page.relative_to(REPO)}: {len(english)} sections, its twin {len(indonesian)}\n"
            f"{english}\n{indonesian}"
        )


def test_model_pages_share_one_outline() -> None:
    """Every family-therapy model page has the same sections in the same order."""
    models = model_pages()
    reference_en = h2_headings(SITE / "family-therapy" / "structural.md")
    reference_id = h2_headings(SITE / "family-therapy" / "structural.id.md")
    assert len(reference_en) == 9
    for page in models:
        assert h2_headings(page) == reference_en, page.name
        assert h2_headings(twin(page)) == reference_id, twin(page).name


SOURCE_HEADINGS = {
    "Sources",
    "Further reading",
    "References",
    "Sumber",
    "Bacaan lanjutan",
    "Daftar pustaka",
}
NO_SOURCES_NEEDED = {"index", "developers", "citing", "references"}


def test_every_page_that_states_facts_names_its_sources() -> None:
    for page in english_pages():
        if page.parent == SITE and page.stem in NO_SOURCES_NEEDED:
            continue
        for path in (page, twin(page)):
            headings = set(h2_headings(path))
            assert headings & SOURCE_HEADINGS, f"{path.relative_to(REPO)} names no sources"


# --------------------------------------------------------------------------------------------
# citations


def test_every_page_carries_the_full_citation(built_site: Path) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    site_url = os.environ.get("LINGKAR_SITE_URL") or DEFAULT_SITE_URL
    pages = built_pages(built_site)
    assert len(pages) >= 100
    for page in pages:
        source = page.read_text(encoding="utf-8")
        where = page.relative_to(built_site).as_posix()
        lang = re.search(r'<html lang="([a-z]+)"', source)
        assert lang, where
        match = re.search(r'<p class="lingkar-cite" data-url="([^"]+)">(.*?)</p>', source, re.S)
        assert match, f"{where}: no citation"
        url, cite_html = match.groups()
        cite = text_of(cite_html)
        expected_url = site_url.rstrip("/") + "/" + page_path(built_site, page)
        assert url == expected_url, where
        assert f'class="lingkar-cite__url" href="{url}"' in cite_html, where
        assert re.search(rf'<link rel="canonical" href="{re.escape(url)}">', source), where
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", source, re.S)
        assert h1, where
        title = text_of(h1.group(1)).rstrip("¶").strip()
        cited_title = re.search(r'<cite class="lingkar-cite__title">(.*?)</cite>', cite_html)
        assert cited_title and text_of(cited_title.group(1)) == title, where
        assert "Lingkar group-work guides" in cite, where
        if lang.group(1) == "id":
            assert cite.startswith("Kontributor Lingkar (ed.)"), where
            assert f"versi {version}" in cite and "Diakses [tanggal bulan tahun]" in cite, where
            assert "Teks berlisensi CC BY 4.0" in cite, where
        else:
            assert cite.startswith("Lingkar contributors (eds.)"), where
            assert f"version {version}" in cite and "Accessed [day month year]" in cite, where
            assert "Text licensed under CC BY 4.0" in cite, where
        assert 'rel="license" href="https://creativecommons.org/licenses/by/4.0/"' in cite_html
        assert "Apache-2.0" in source, where


def test_site_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.config import load_config

    monkeypatch.setenv("LINGKAR_SITE_URL", "https://guides.example.org/lingkar/")
    config = load_config(str(REPO / "mkdocs.yml"))
    assert config.site_url == "https://guides.example.org/lingkar/"
    monkeypatch.delenv("LINGKAR_SITE_URL")
    assert load_config(str(REPO / "mkdocs.yml")).site_url == DEFAULT_SITE_URL


# --------------------------------------------------------------------------------------------
# nothing from outside

EXTERNAL = r"""(?:https?:)?//"""
RESOURCE_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "preconnect",
    "dns-prefetch",
    "prefetch",
    "icon",
    "manifest",
    "apple-touch-icon",
}


def external_resources(source: str) -> list[str]:
    found = []
    for tag in re.findall(r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*>", source):
        src = re.search(r'\bsrc="([^"]*)"', tag)
        if src and re.match(EXTERNAL, src.group(1)):
            found.append(tag)
    for tag in re.findall(r"<link\b[^>]*>", source):
        rel = re.search(r'\brel="([^"]*)"', tag)
        href = re.search(r'\bhref="([^"]*)"', tag)
        is_resource = rel and set(rel.group(1).split()) & RESOURCE_RELS
        if is_resource and href and re.match(EXTERNAL, href.group(1)):
            found.append(tag)
    for block in re.findall(r"<style\b[^>]*>(.*?)</style>", source, re.S):
        found += css_imports(block)
    found += [s for s in re.findall(r'style="([^"]*)"', source) if css_imports(s)]
    return found


def css_imports(css: str) -> list[str]:
    found = re.findall(r"@import[^;]*", css)
    found += [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", css) if re.match(EXTERNAL, u)]
    return found


def test_no_page_loads_a_script_style_or_font_from_outside(built_site: Path) -> None:
    for page in sorted(built_site.rglob("*.html")):
        source = page.read_text(encoding="utf-8")
        assert external_resources(source) == [], page.relative_to(built_site)
        assert "fonts.googleapis" not in source and "fonts.gstatic" not in source
    for stylesheet in sorted(built_site.rglob("*.css")):
        css = stylesheet.read_text(encoding="utf-8")
        assert css_imports(css) == [], stylesheet.relative_to(built_site)


def test_the_check_finds_outside_resources() -> None:
    assert external_resources('<link rel="stylesheet" href="https://cdn.example/x.css">')
    assert external_resources('<script src="//cdn.example/x.js"></script>')
    assert external_resources("<style>@font-face{src:url(https://fonts.example/a.woff2)}</style>")
    assert not external_resources('<link rel="canonical" href="https://example.org/guides/">')
    assert not external_resources('<a href="https://creativecommons.org/licenses/by/4.0/">')
    assert not external_resources('<script src="../assets/javascripts/bundle.js"></script>')


# --------------------------------------------------------------------------------------------
# order of a group's life


def test_group_life_order_covers_every_phase() -> None:
    assert sorted(GROUP_LIFE) == sorted(PHASES)


@pytest.mark.parametrize("prefix", ["", "id/"])
def test_guides_by_phase_follow_a_groups_life(built_site: Path, prefix: str) -> None:
    page = (built_site / prefix / "guides/by-phase/index.html").read_text(encoding="utf-8")
    source = page[page.index("<article") : page.index("</article>")]
    ids = re.findall(r'<h3 id="([a-z-]+)"', source)
    assert ids == GROUP_LIFE
    stages = re.findall(r'<h2 id="([a-z-]+)"', source)
    assert stages[:4] == ["before", "beginning", "middle", "ending"]
    planning = source.index('id="planning"')
    planning_guide = source.index("planning-a-new-group/")
    assert planning < planning_guide < source.index("first-session-and-group-agreement/")


def test_the_guides_index_lists_planning_first(built_site: Path) -> None:
    source = (built_site / "guides/index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>\s*<td><a href=\"([a-z-]+)/\">.*?</tr>", source, re.S)
    assert len(rows) >= 22
    assert rows.index("planning-a-new-group") < rows.index("first-session-and-group-agreement")
    assert rows[-1] == "ending-a-group-well"


# --------------------------------------------------------------------------------------------
# safety, references, wording


@pytest.mark.parametrize("prefix", ["", "id/"])
def test_the_crisis_guide_gives_numbers_a_safety_plan_and_routes(
    built_site: Path, prefix: str
) -> None:
    source = (built_site / prefix / "guides/crisis-during-a-session/index.html").read_text(
        encoding="utf-8"
    )
    text = text_of(source)
    for number in ("112", "110", "119", "129", "08111-129-129"):
        assert number in text
    assert text.count("2026-11-23") >= 4  # the date each national number was checked
    for anchor in (
        "numbers-to-call-in-indonesia",
        "psychological-first-aid",
        "when-a-child-tells-you-about-abuse",
        "safety-plan",
    ):
        assert f'id="{anchor}"' in source
    assert 'class="lingkar-handout"' in source
    assert "Psychological First Aid: Guide for Field Workers" in text


def test_the_references_page_is_complete() -> None:
    text = (SITE / "references.md").read_text(encoding="utf-8")
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        "*Making Groups Work: Rethinking Practice*. St Leonards, NSW: Allen & Unwin",
        "Twelvetrees, A. (1991). *Community Work* (2nd ed.)",
        "*An Introduction to Group Work Practice* (1st ed.). New York: Macmillan",
        "Pincus, A., & Minahan, A. (1973). *Social Work Practice: Model and Method*",
        "Menzoda (1981: 4)",
        "We have not been able to identify this work",
        "## Source texts {#source-texts}",
    ):
        assert expected in flat, expected
    ids = set(re.findall(r"\{ #([a-z0-9-]+) \}", text))
    assert ids == set(
        re.findall(r"\{ #([a-z0-9-]+) \}", twin(SITE / "references.md").read_text(encoding="utf-8"))
    )


def test_indonesian_wording_fixes() -> None:
    family = (SITE / "family-therapy" / "index.id.md").read_text(encoding="utf-8")
    assert "pekerjaan kelompok" not in family
    assert "pekerjaan sosial dengan kelompok" in family
    assert "Lama terapi" in family and "Lama sesi" not in family
    community = (SITE / "community-work.id.md").read_text(encoding="utf-8")
    assert "pengembangan masyarakat" not in community
    home = (SITE / "index.id.md").read_text(encoding="utf-8")
    assert "Setiap halaman menyebutkan sumber yang dipakainya" not in home


def test_family_therapy_corrections() -> None:
    narrative = (SITE / "family-therapy" / "narrative.md").read_text(encoding="utf-8")
    assert "Epston also formed" not in narrative
    assert re.search(
        r"Vancouver\s+Anti-Anorexia/Anti-Bulimia League, was founded by\s+\*\*Stephen"
        r" Madigan\*\*",
        narrative,
    )
    for name in ("psychodynamic", "experiential"):
        english = SITE / "family-therapy" / f"{name}.md"
        for path in (english, twin(english)):
            assert "Zastrow 2014: 79" not in path.read_text(encoding="utf-8"), path.name
    for page in model_pages():
        for path in (page, twin(page)):
            source = path.read_text(encoding="utf-8")
            assert "Schwartz, R. C. *Family" not in source, path.name  # year and edition given
            assert "Goldenberg, H. *Family" not in source, path.name
