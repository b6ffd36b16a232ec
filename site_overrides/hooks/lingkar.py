"""MkDocs hook for the Lingkar site.

What it does, per language build (mkdocs-static-i18n runs one MkDocs build per language on the
same config object, so ``on_config`` runs once per language):

1. ``on_config`` (priority 100, before mkdocs-static-i18n's -100): validates every facilitator
   guide with ``backend.guides.catalog`` and every programme template with
   ``backend.guides.programmes`` (a bad guide or template is a ``PluginError`` naming the file
   and the field), then assembles a *staging* docs directory in the system temp dir: a copy of
   ``site/`` plus ``guides/<slug>.md`` / ``guides/<slug>.id.md`` (front matter card + body) and
   the generated index pages ``guides/index``, ``guides/by-purpose`` and ``guides/by-phase`` in
   both languages. ``docs_dir`` is pointed at the staging directory, so mkdocs-static-i18n
   sees the guides as ordinary suffix-structured pairs. The guide pages are appended to the
   "Guides" section of the nav. Nothing is written into ``site/`` or any tracked folder.
2. ``on_page_markdown``: replaces the ``<!-- lingkar:purposes -->``,
   ``<!-- lingkar:group-kinds -->`` and ``<!-- lingkar:programme <slug> -->`` markers with
   Markdown rendered from ``backend.domain`` and the programme templates, and records the
   page's "last changed" date.
3. ``on_page_context`` (after mkdocs-static-i18n's, priority 50): composes the citation block
   (authors, title, collection, version, absolute URL from ``site_url``, accessed-date
   placeholder, licence) and the language switch's links, relative to the page and ending
   with a slash, for ``site_overrides/main.html`` and ``partials/alternate.html``.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import datetime as dt
import hashlib
import html
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

log = get_plugin_logger("lingkar")

PURPOSES_MARKER = "<!-- lingkar:purposes -->"
GROUP_KINDS_MARKER = "<!-- lingkar:group-kinds -->"
PROGRAMME_MARKER = "<!-- lingkar:programme "
GUIDE_INDEX_PAGES = ("guides/index.md", "guides/by-purpose.md", "guides/by-phase.md")
LANGUAGE_HOMES = {"en": "", "id": "id/"}
TEXT_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

# A group's life, in the order a facilitator meets it. The casework cycle (backend.domain.PHASES)
# starts with engagement because a caseworker begins with a client who has come forward; a
# group is assembled by the worker, so its planning comes before anyone meets.
GROUP_LIFE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("before", ("planning",)),
    ("beginning", ("engagement", "assessment")),
    ("middle", ("intervention", "monitoring")),
    ("ending", ("evaluation", "termination")),
)
GROUP_LIFE_PHASES: tuple[str, ...] = tuple(p for _stage, phases in GROUP_LIFE for p in phases)

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "purposes": "Purposes",
        "phase": "Phase",
        "kinds": "Group kinds",
        "duration": "Duration",
        "minutes": "{n} minutes",
        "group_size": "Group size",
        "members": "{lo}\u2013{hi} members",
        "materials": "Materials",
        "nothing": "nothing special",
        "code": "Code",
        "kind": "Group kind",
        "purpose": "Purpose",
        "guide": "Guide",
        "summary": "Summary",
        "no_guides": "No guide for this yet.",
        "index_title": "Facilitator guides",
        "index_intro": (
            "Every guide below is a session plan you can follow with a group. Each one names the "
            "[purposes](../purposes.md) it serves, the [phase](../intervention-cycle.md) of the "
            "group's life it fits, the [kinds of group](../group-kinds.md) it suits, how long it "
            "takes and for how many people. The list runs in the order of a group's life, from "
            "planning before the group meets to its ending. The same guides are listed "
            "[by purpose](by-purpose.md) and [by phase](by-phase.md), and the "
            "[programmes](../programmes/index.md) string them into whole courses of sessions."
        ),
        "by_purpose_title": "Guides by purpose",
        "by_purpose_intro": (
            "The guides grouped under the six [group purposes](../purposes.md). A guide that "
            "serves several purposes appears under each of them."
        ),
        "by_phase_title": "Guides by phase",
        "by_phase_intro": (
            "The guides in the order of a group's life. In work with one person the "
            "[intervention cycle](../intervention-cycle.md) begins with engagement, because the "
            "client has already come forward. A group does not exist until the worker plans it "
            "and gathers its members, so in group work **planning comes first**; engagement and "
            "assessment then fill the first sessions, intervention and monitoring the middle, "
            "and evaluation and termination the ending (see "
            "[the cycle in a group's life](../intervention-cycle.md#group-life))."
        ),
        "stage_before": "Before the group meets",
        "stage_beginning": "Beginning",
        "stage_middle": "Middle",
        "stage_ending": "Ending",
        "count": "{n} guides in {lang}.",
        "lang_name": "English",
        "session": "Session",
        "module": "Part",
        "handout": "Handout",
        "handout_link": "Handout {code}",
        "cite_heading": "How to cite this page",
        "editors": "Lingkar contributors (eds.)",
        "collection": "Lingkar group-work guides",
        "collection_note": "",
        "edition": "English",
        "version": "version {version}",
        "commit": "commit {commit}",
        "in": "In",
        "accessed": "Accessed [day month year]",
        "licence": "Text licensed under",
        "licence_note": (
            "You may share and adapt this text with attribution; Lingkar's software is licensed "
            "under Apache-2.0."
        ),
        "reuse": "Citing and reusing",
        "changed": "Last changed",
        "language": "Language",
    },
    "id": {
        "purposes": "Tujuan",
        "phase": "Fase",
        "kinds": "Jenis kelompok",
        "duration": "Durasi",
        "minutes": "{n} menit",
        "group_size": "Ukuran kelompok",
        "members": "{lo}\u2013{hi} anggota",
        "materials": "Bahan",
        "nothing": "tidak ada yang khusus",
        "code": "Kode",
        "kind": "Jenis kelompok",
        "purpose": "Tujuan",
        "guide": "Panduan",
        "summary": "Ringkasan",
        "no_guides": "Belum ada panduan untuk bagian ini.",
        "index_title": "Panduan fasilitator",
        "index_intro": (
            "Setiap panduan di bawah ini adalah rencana sesi yang dapat Anda jalankan bersama "
            "kelompok. Masing-masing menyebutkan [tujuan](../purposes.md) yang dilayaninya, "
            "[fase](../intervention-cycle.md) kehidupan kelompok yang cocok, "
            "[jenis kelompok](../group-kinds.md) yang sesuai, lama waktunya, dan untuk berapa "
            "orang. Daftar ini mengikuti urutan kehidupan kelompok, dari perencanaan sebelum "
            "kelompok bertemu sampai pengakhirannya. Panduan yang sama juga disusun "
            "[menurut tujuan](by-purpose.md) dan [menurut fase](by-phase.md), dan "
            "[program](../programmes/index.md) merangkainya menjadi rangkaian sesi yang utuh."
        ),
        "by_purpose_title": "Panduan menurut tujuan",
        "by_purpose_intro": (
            "Panduan dikelompokkan menurut enam [tujuan kelompok](../purposes.md). Panduan yang "
            "melayani beberapa tujuan muncul di bawah setiap tujuan tersebut."
        ),
        "by_phase_title": "Panduan menurut fase",
        "by_phase_intro": (
            "Panduan disusun menurut urutan kehidupan kelompok. Dalam pekerjaan dengan satu "
            "orang, [siklus intervensi](../intervention-cycle.md) dimulai dari keterlibatan "
            "(*engagement*), karena klien sudah datang lebih dulu. Kelompok belum ada sampai "
            "pekerja merencanakannya dan mengumpulkan anggotanya, jadi dalam pekerjaan sosial "
            "dengan kelompok **perencanaan datang lebih dulu**; keterlibatan dan asesmen lalu "
            "mengisi sesi-sesi awal, intervensi dan pemantauan bagian tengah, serta evaluasi "
            "dan terminasi bagian akhir (lihat "
            "[siklus dalam kehidupan kelompok](../intervention-cycle.md#group-life))."
        ),
        "stage_before": "Sebelum kelompok bertemu",
        "stage_beginning": "Tahap awal",
        "stage_middle": "Tahap tengah",
        "stage_ending": "Tahap akhir",
        "count": "{n} panduan dalam {lang}.",
        "lang_name": "bahasa Indonesia",
        "session": "Sesi",
        "module": "Bagian",
        "handout": "Lembar bagi",
        "handout_link": "Lembar {code}",
        "cite_heading": "Cara mengutip halaman ini",
        "editors": "Kontributor Lingkar (ed.)",
        "collection": "Lingkar group-work guides",
        "collection_note": " [Panduan Lingkar untuk pekerjaan sosial dengan kelompok]",
        "edition": "bahasa Indonesia",
        "version": "versi {version}",
        "commit": "komit {commit}",
        "in": "Dalam",
        "accessed": "Diakses [tanggal bulan tahun]",
        "licence": "Teks berlisensi",
        "licence_note": (
            "Anda boleh membagikan dan mengadaptasi teks ini dengan menyebutkan sumbernya; "
            "perangkat lunak Lingkar berlisensi Apache-2.0."
        ),
        "reuse": "Mengutip dan memakai ulang",
        "changed": "Terakhir diubah",
        "language": "Bahasa",
    },
}

# Module state; mkdocs-static-i18n reuses this module for every language build of one run.
_state: dict[str, Any] = {}


# --------------------------------------------------------------------------------------------
# helpers


def _repo_root(config: MkDocsConfig) -> Path:
    if not config.config_file_path:
        raise PluginError("lingkar hook: mkdocs.yml path unknown")
    return Path(config.config_file_path).resolve().parent


def _import_backend(repo: Path) -> None:
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))


def _lang_of(page: Page) -> str:
    locale = getattr(page.file, "locale", None)
    if locale in TEXT:
        return str(locale)
    return "id" if page.file.src_uri.endswith(".id.md") else "en"


def _suffixed(path: str, lang: str) -> str:
    """``guides/x.md`` -> ``guides/x.id.md`` for Indonesian."""
    return path if lang == "en" else f"{path.removesuffix('.md')}.{lang}.md"


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def _git(repo: Path, *args: str) -> str:
    try:
        return subprocess.run(  # noqa: S603 - fixed command, paths are arguments
            ["git", *args],  # noqa: S607
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _last_changed(path: Path, repo: Path) -> dt.date:
    cache: dict[Path, dt.date] = _state.setdefault("dates", {})
    if path in cache:
        return cache[path]
    date: dt.date | None = None
    out = _git(repo, "log", "-1", "--format=%cs", "--", str(path))
    if out:
        with contextlib.suppress(ValueError):
            date = dt.date.fromisoformat(out)
    if date is None:
        try:
            date = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()
        except OSError:
            date = dt.datetime.now(tz=dt.UTC).date()
    cache[path] = date
    return date


def site_version(repo: Path) -> tuple[str, str]:
    """(package version from pyproject.toml, short git commit or "")."""
    try:
        with (repo / "pyproject.toml").open("rb") as handle:
            version = str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise PluginError(f"pyproject.toml: project.version: cannot be read ({exc})") from exc
    return version, _git(repo, "rev-parse", "--short=10", "HEAD")


# --------------------------------------------------------------------------------------------
# rendering from backend.domain


def render_purposes(lang: str) -> str:
    from backend.domain import PURPOSES

    parts: list[str] = []
    for p in PURPOSES:
        title = p.title_id if lang == "id" else p.title
        summary = p.summary_id if lang == "id" else p.summary
        parts.append(
            f'## {p.number}. {title} {{ #{p.code} data-purpose="{p.code}" }}\n\n'
            f"{summary}\n\n"
            f"{TEXT[lang]['code']}: `{p.code}`\n"
        )
    return "\n".join(parts)


def render_group_kinds(lang: str) -> str:
    from backend.domain import GROUP_KINDS
    from backend.domain.vocabulary import GROUP_KIND_LABELS

    t = TEXT[lang]
    rows = [f"| {t['kind']} | {t['code']} |", "| --- | --- |"]
    for code in GROUP_KINDS:
        label = GROUP_KIND_LABELS[code][1 if lang == "id" else 0]
        rows.append(f'| [{label}](#{code}){{ data-kind="{code}" }} | `{code}` |')
    return "\n".join(rows) + "\n"


def _purpose_label(code: str, lang: str) -> str:
    from backend.domain.vocabulary import PURPOSES_BY_CODE

    p = PURPOSES_BY_CODE[code]
    return f"{p.number}. {p.title_id if lang == 'id' else p.title}"


def _phase_label(code: str, lang: str) -> str:
    from backend.domain.vocabulary import PHASE_LABELS

    return PHASE_LABELS[code][1 if lang == "id" else 0]


def _kind_label(code: str, lang: str) -> str:
    from backend.domain.vocabulary import GROUP_KIND_LABELS

    return GROUP_KIND_LABELS[code][1 if lang == "id" else 0]


def render_card(entry: Any, lang: str, up: str = "../") -> str:
    """The front-matter card of a guide; links are relative to ``guides/<slug>.md``."""
    t = TEXT[lang]
    badges = " ".join(
        f"[{_md_escape(_purpose_label(c, lang))}]({up}purposes.md#{c})"
        f'{{ .lingkar-badge data-purpose="{c}" }}'
        for c in entry.purposes
    )
    kinds = ", ".join(f"[{_kind_label(k, lang)}]({up}group-kinds.md#{k})" for k in entry.kinds)
    phase = f"[{_phase_label(entry.phase, lang)}]({up}intervention-cycle.md#{entry.phase})"
    materials = (
        "; ".join(_md_escape(m) for m in entry.materials) if entry.materials else t["nothing"]
    )
    size = t["members"].format(lo=entry.group_size_min, hi=entry.group_size_max)
    return (
        '<div class="lingkar-card" markdown>\n\n'
        f"{_md_escape(entry.summary)}\n\n"
        f"**{t['purposes']}:** {badges}\n"
        "{ .lingkar-badges }\n\n"
        f"| {t['phase']} | {t['kinds']} | {t['duration']} | {t['group_size']} |\n"
        "| --- | --- | --- | --- |\n"
        f"| {phase} | {kinds} | {t['minutes'].format(n=entry.duration_minutes)} | {size} |\n\n"
        f"**{t['materials']}:** {materials}\n\n"
        "</div>\n"
    )


def _insert_card(body: str, card: str) -> str:
    """Put the card right after the guide's first-level heading (or at the top)."""
    lines = body.lstrip("\n").splitlines(keepends=True)
    if lines and lines[0].startswith("# "):
        return lines[0] + "\n" + card + "\n" + "".join(lines[1:])
    return card + "\n" + "".join(lines)


def _guide_sort_key(entry: Any) -> tuple[int, str]:
    return (GROUP_LIFE_PHASES.index(entry.phase), entry.title.casefold())


def _guide_row(entry: Any, lang: str) -> str:
    t = TEXT[lang]
    purposes = " ".join(
        f"[{_md_escape(_purpose_label(c, lang).split('.')[0])}](../purposes.md#{c} "
        f'"{_md_escape(_purpose_label(c, lang))}")'
        for c in entry.purposes
    )
    return (
        f"| [{_md_escape(entry.title)}]({entry.slug}.md) | {_md_escape(entry.summary)} | "
        f"{_phase_label(entry.phase, lang)} | {purposes} | "
        f"{t['minutes'].format(n=entry.duration_minutes)} |"
    )


def render_guides_index(entries: list[Any], lang: str) -> str:
    t = TEXT[lang]
    rows = [
        f"| {t['guide']} | {t['summary']} | {t['phase']} | {t['purposes']} | {t['duration']} |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows += [_guide_row(e, lang) for e in sorted(entries, key=_guide_sort_key)]
    count = t["count"].format(n=len(entries), lang=t["lang_name"])
    table = "\n".join(rows) if entries else t["no_guides"]
    return f"# {t['index_title']}\n\n{t['index_intro']}\n\n{count}\n\n{table}\n"


def _guide_list(entries: list[Any], lang: str) -> str:
    if not entries:
        return f"*{TEXT[lang]['no_guides']}*\n"
    t = TEXT[lang]
    return (
        "\n".join(
            f"- [{_md_escape(e.title)}]({e.slug}.md) — {_md_escape(e.summary)} "
            f"({t['minutes'].format(n=e.duration_minutes)})"
            for e in sorted(entries, key=_guide_sort_key)
        )
        + "\n"
    )


def render_by_purpose(entries: list[Any], lang: str) -> str:
    from backend.domain import PURPOSES

    t = TEXT[lang]
    out = [f"# {t['by_purpose_title']}\n\n{t['by_purpose_intro']}\n"]
    for p in PURPOSES:
        out.append(f"## {_md_escape(_purpose_label(p.code, lang))} {{ #{p.code} }}\n")
        out.append(f"[`{p.code}`](../purposes.md#{p.code})\n")
        out.append(_guide_list([e for e in entries if p.code in e.purposes], lang))
    return "\n".join(out)


def render_by_phase(entries: list[Any], lang: str) -> str:
    """Stages of a group's life (H2), each with its phases (H3) in group-life order."""
    t = TEXT[lang]
    out = [f"# {t['by_phase_title']}\n\n{t['by_phase_intro']}\n"]
    for stage, phases in GROUP_LIFE:
        out.append(f"## {t['stage_' + stage]} {{ #{stage} }}\n")
        for code in phases:
            out.append(f"### {_phase_label(code, lang)} {{ #{code} }}\n")
            out.append(_guide_list([e for e in entries if e.phase == code], lang))
    return "\n".join(out)


def render_programme(programme: Any, lang: str) -> str:
    """The session table of a programme page (``site/programmes/<slug>.md``): one row per step,
    with its guide and a link to the handout headed ``{ #handout-<code> }`` on the same page."""
    t = TEXT[lang]
    rows = [
        f"| {t['session']} | {t['module']} | {t['guide']} | {t['handout']} |",
        "| --- | --- | --- | --- |",
    ]
    titles = _state["guide_titles"]
    for module in programme.modules:
        for step in module.steps:
            guide_title = titles[(step.guide, lang)]
            anchor = f"handout-{step.code.lower()}"
            rows.append(
                f"| **{_md_escape(step.code)}** {_md_escape(step.title)} | "
                f"{_md_escape(module.title)} | "
                f"[{_md_escape(guide_title)}](../guides/{step.guide}.md) | "
                f"[{t['handout_link'].format(code=_md_escape(step.code))}](#{anchor}) |"
            )
    return '<div class="lingkar-programme" markdown>\n\n' + "\n".join(rows) + "\n\n</div>\n"


def _replace_programme_markers(markdown: str, lang: str, src_uri: str) -> str:
    programmes: dict[tuple[str, str], Any] = _state.get("programmes", {})
    while PROGRAMME_MARKER in markdown:
        start = markdown.index(PROGRAMME_MARKER)
        end = markdown.find("-->", start)
        if end < 0:
            raise PluginError(f"{src_uri}: unterminated {PROGRAMME_MARKER.strip()} marker")
        slug = markdown[start + len(PROGRAMME_MARKER) : end].strip()
        if (slug, lang) not in programmes:
            raise PluginError(f"{src_uri}: no programme template {slug!r} in {lang!r}")
        rendered = render_programme(programmes[(slug, lang)], lang)
        markdown = markdown[:start] + rendered + markdown[end + 3 :]
    return markdown


# --------------------------------------------------------------------------------------------
# citation and language switch


def absolute_url(site_url: str, page_url: str) -> str:
    return site_url.rstrip("/") + "/" + page_url.lstrip("/")


def render_citation(
    *,
    lang: str,
    title: str,
    authors: str | None,
    year: int,
    url: str,
    version: str,
    commit: str,
) -> str:
    """The citation as HTML (every part escaped), one sentence per element."""
    t = TEXT[lang]
    esc = html.escape
    edition = [t["edition"], t["version"].format(version=esc(version))]
    if commit:
        edition.append(t["commit"].format(commit=esc(commit)))
    return (
        f'<span class="lingkar-cite__authors">{esc(authors or t["editors"])}</span> ({year}). '
        f'<cite class="lingkar-cite__title">{esc(title)}</cite>. '
        f'{t["in"]} <cite class="lingkar-cite__collection">{esc(t["collection"])}</cite>'
        f"{esc(t['collection_note'])} "
        f'(<span class="lingkar-cite__version">{", ".join(edition)}</span>). '
        f'<a class="lingkar-cite__url" href="{esc(url)}">{esc(url)}</a>. '
        f'<span class="lingkar-cite__accessed">{esc(t["accessed"])}</span>. '
        f'<span class="lingkar-cite__licence">{t["licence"]} '
        f'<a rel="license" href="{TEXT_LICENCE_URL}">CC BY 4.0</a></span>.'
    )


def language_links(page: Page, lang: str) -> list[dict[str, Any]]:
    """The language switch of ``page``: for each language, the page's counterpart (or that
    language's home page), as a link relative to the page that ends with a slash."""
    from backend.guides.catalog import LANGUAGES

    names: dict[str, str] = _state.get("language_names", {})
    alternates: dict[str, Any] = getattr(page.file, "alternates", None) or {}
    links = []
    for code in LANGUAGES:
        other = alternates.get(code)
        target = other.url if other is not None else LANGUAGE_HOMES[code]
        if code != lang and other is None:
            log.debug("%s: no %s counterpart, linking that language's home", page.url, code)
        href = get_relative_url(target or ".", page.url or ".")
        if not href.endswith("/"):
            href += "/"
        links.append(
            {"lang": code, "name": names.get(code, code), "href": href, "current": code == lang}
        )
    return links


# --------------------------------------------------------------------------------------------
# staging


def _staging_dir(repo: Path) -> Path:
    digest = hashlib.sha256(str(repo).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"lingkar-site-{digest}-{os.getpid()}"


def _cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _shown(file: str, repo: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(Path(file).resolve().relative_to(repo))
    return file


def _load_sources(guides_dir: Path, repo: Path) -> tuple[list[Any], list[Any]]:
    """Every guide and programme template, validated; a problem stops the build."""
    from backend.guides.catalog import GuideFrontMatterError, check_translations, load_guides
    from backend.guides.programmes import ProgrammeError, load_programmes, programmes_dir

    try:
        entries = load_guides(guides_dir)
        check_translations(entries)
    except GuideFrontMatterError as exc:
        raise PluginError(f"{_shown(exc.file, repo)}: {exc.field}: {exc.problem}") from exc
    try:
        programmes = load_programmes(
            programmes_dir(guides_dir), guide_slugs={e.slug for e in entries}
        )
    except ProgrammeError as exc:
        raise PluginError(f"{_shown(exc.file, repo)}: {exc.field}: {exc.problem}") from exc
    return entries, programmes


def _build_staging(source: Path, guides_dir: Path, staging: Path, repo: Path) -> dict[str, Any]:
    from backend.guides.catalog import split_front_matter

    entries, programmes = _load_sources(guides_dir, repo)

    origin: dict[str, Path | None] = {}
    wanted: dict[str, str | None] = {}  # staged path -> text (None: copy from origin)

    if (source / "guides").exists():
        raise PluginError(f"{source / 'guides'}: the guides section is generated; remove it")
    for path in sorted(source.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.parts):
            rel = path.relative_to(source).as_posix()
            wanted[rel] = None
            origin[rel] = path

    for entry in entries:
        text = entry.path.read_text(encoding="utf-8")
        _data, body = split_front_matter(text, entry.path)
        front = text[: len(text) - len(body)]
        rel = _suffixed(f"guides/{entry.slug}.md", entry.lang)
        wanted[rel] = front + _insert_card(body, render_card(entry, entry.lang))
        origin[rel] = entry.path

    newest = max((e.path for e in entries), key=lambda p: _last_changed(p, repo), default=None)
    for lang in ("en", "id"):
        in_lang = [e for e in entries if e.lang == lang]
        for rel, render in zip(
            GUIDE_INDEX_PAGES,
            (render_guides_index, render_by_purpose, render_by_phase),
            strict=True,
        ):
            staged = _suffixed(rel, lang)
            wanted[staged] = render(in_lang, lang)
            origin[staged] = newest

    staging.mkdir(parents=True, exist_ok=True)
    for rel, text in wanted.items():
        target = staging / rel
        src = origin[rel]
        if text is None and src is not None:
            if (
                target.is_file()
                and target.stat().st_size == src.stat().st_size
                and target.read_bytes() == src.read_bytes()
            ):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        elif text is not None:
            _write_if_changed(target, text)
    for path in sorted(staging.rglob("*"), reverse=True):
        rel = path.relative_to(staging).as_posix()
        if path.is_file() and rel not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()

    return {
        "entries": entries,
        "origin": origin,
        "programmes": {(p.slug, p.language): p for p in programmes},
        "guide_titles": {(e.slug, e.lang): e.title for e in entries},
    }


def _with_guides_in_nav(nav: list[Any], entries: list[Any]) -> list[Any]:
    """Append every guide page to the nav section that holds ``guides/index.md``."""
    pages = [
        f"guides/{e.slug}.md"
        for e in sorted((e for e in entries if e.lang == "en"), key=_guide_sort_key)
    ]

    def walk(items: list[Any]) -> bool:
        for item in items:
            children = next(iter(item.values())) if isinstance(item, dict) else None
            if isinstance(children, list):
                flat = [next(iter(c.values())) if isinstance(c, dict) else c for c in children]
                if "guides/index.md" in flat:
                    children.extend(p for p in pages if p not in flat)
                    return True
                if walk(children):
                    return True
        return False

    nav = copy.deepcopy(nav)
    if not walk(nav):
        raise PluginError("mkdocs.yml: nav: no section lists guides/index.md")
    return nav


def _language_names(config: MkDocsConfig) -> dict[str, str]:
    i18n = config.plugins.get("i18n")
    names: dict[str, str] = {}
    for language in getattr(i18n, "config", {}).get("languages", []) if i18n else []:
        names[str(language.locale)] = str(language.name)
    return names


# --------------------------------------------------------------------------------------------
# MkDocs events


@event_priority(100)  # before mkdocs-static-i18n (-100) reads docs_dir
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    repo = _repo_root(config)
    _import_backend(repo)
    from backend.domain import PHASES
    from backend.guides.catalog import default_guides_dir

    if sorted(GROUP_LIFE_PHASES) != sorted(PHASES):
        raise PluginError(
            "site_overrides/hooks/lingkar.py: GROUP_LIFE must list every phase of "
            f"backend.domain.PHASES once ({', '.join(PHASES)})"
        )
    if not config.site_url:
        raise PluginError("mkdocs.yml: site_url: needed for the citation's absolute address")

    staging = _staging_dir(repo)
    if "source" not in _state:
        _state["source"] = Path(config.docs_dir).resolve()
        _state["nav"] = copy.deepcopy(config.nav)
        _state["version"] = site_version(repo)
        atexit.register(_cleanup, staging)
    source: Path = _state["source"]
    guides_dir = default_guides_dir(repo).resolve()

    built = _build_staging(source, guides_dir, staging, repo)
    _state.update(built, repo=repo, staging=staging, guides_dir=guides_dir)
    _state["language_names"] = _language_names(config)
    config.docs_dir = str(staging)
    if _state["nav"]:
        config.nav = _with_guides_in_nav(_state["nav"], built["entries"])
    return config


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    # Watch the real sources, not the staging copy the hook rewrites on every build.
    staging = _state.get("staging")
    if staging is not None:
        server.unwatch(str(staging))
    server.watch(str(_state["source"]))
    server.watch(str(_state["guides_dir"]))
    return server


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Any) -> str:
    lang = _lang_of(page)
    if PURPOSES_MARKER in markdown:
        markdown = markdown.replace(PURPOSES_MARKER, render_purposes(lang))
    if GROUP_KINDS_MARKER in markdown:
        markdown = markdown.replace(GROUP_KINDS_MARKER, render_group_kinds(lang))
    if PROGRAMME_MARKER in markdown:
        markdown = _replace_programme_markers(markdown, lang, page.file.src_uri)

    origin = _state.get("origin", {}).get(page.file.src_uri)
    repo: Path = _state["repo"]
    changed = _last_changed(origin, repo) if origin else dt.datetime.now(tz=dt.UTC).date()
    page.meta["lingkar"] = {"changed": changed.isoformat(), "year": changed.year}
    return markdown


def on_page_context(
    context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Any
) -> dict[str, Any]:
    lang = _lang_of(page)
    t = TEXT[lang]
    meta = page.meta.setdefault("lingkar", {"changed": "", "year": dt.date.today().year})
    authors = page.meta.get("authors")
    if isinstance(authors, list):
        authors = ", ".join(str(a) for a in authors)
    version, commit = _state["version"]
    url = absolute_url(config.site_url or "", page.url)
    title = html.unescape(page.title or config.site_name)
    reuse = LANGUAGE_HOMES[lang] + "citing/"
    meta.update(
        cite_heading=t["cite_heading"],
        citation=render_citation(
            lang=lang,
            title=title,
            authors=authors if isinstance(authors, str) else None,
            year=meta["year"],
            url=url,
            version=version,
            commit=commit,
        ),
        licence_note=t["licence_note"],
        reuse_label=t["reuse"],
        reuse_href=get_relative_url(reuse, page.url or "."),
        changed_label=t["changed"],
        url=url,
    )
    context["lingkar_languages"] = language_links(page, lang)
    context["lingkar_language_label"] = t["language"]
    return context


def on_shutdown() -> None:
    staging = _state.get("staging")
    if staging is not None:
        _cleanup(staging)
