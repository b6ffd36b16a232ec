"""MkDocs hook for the Lingkar site.

What it does, per language build (mkdocs-static-i18n runs one MkDocs build per language on the
same config object, so ``on_config`` runs once per language):

1. ``on_config`` (priority 100, before mkdocs-static-i18n's -100): validates every facilitator
   guide with ``backend.guides.catalog`` (a bad guide is a ``PluginError`` naming the file and
   the field), then assembles a *staging* docs directory in the system temp dir: a copy of
   ``site/`` plus ``guides/<slug>.md`` / ``guides/<slug>.id.md`` (front matter card + body) and
   the generated index pages ``guides/index``, ``guides/by-purpose`` and ``guides/by-phase`` in
   both languages. ``docs_dir`` is pointed at the staging directory, so mkdocs-static-i18n
   sees the guides as ordinary suffix-structured pairs. The guide pages are appended to the
   "Guides" section of the nav. Nothing is written into ``site/`` or any tracked folder.
2. ``on_page_markdown``: replaces the ``<!-- lingkar:purposes -->`` and
   ``<!-- lingkar:group-kinds -->`` markers with Markdown rendered from ``backend.domain``, and
   puts the "How to cite" / "Last changed" data in ``page.meta["lingkar"]`` for
   ``site_overrides/main.html``.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.pages import Page

log = get_plugin_logger("lingkar")

PURPOSES_MARKER = "<!-- lingkar:purposes -->"
GROUP_KINDS_MARKER = "<!-- lingkar:group-kinds -->"
GUIDE_INDEX_PAGES = ("guides/index.md", "guides/by-purpose.md", "guides/by-phase.md")

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
            "takes and for how many people. The same guides are listed "
            "[by purpose](by-purpose.md) and [by phase](by-phase.md)."
        ),
        "by_purpose_title": "Guides by purpose",
        "by_purpose_intro": (
            "The guides grouped under the six [group purposes](../purposes.md). A guide that "
            "serves several purposes appears under each of them."
        ),
        "by_phase_title": "Guides by phase",
        "by_phase_intro": (
            "The guides in the order of the [intervention cycle](../intervention-cycle.md), from "
            "engagement to termination."
        ),
        "count": "{n} guides in {lang}.",
        "lang_name": "English",
        "cite_heading": "How to cite this page",
        "cite": "Lingkar ({year}). {title}. Lingkar group-work guides (English).",
        "changed": "Last changed",
        "address": "Address in this site",
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
            "orang. Panduan yang sama juga disusun [menurut tujuan](by-purpose.md) dan "
            "[menurut fase](by-phase.md)."
        ),
        "by_purpose_title": "Panduan menurut tujuan",
        "by_purpose_intro": (
            "Panduan dikelompokkan menurut enam [tujuan kelompok](../purposes.md). Panduan yang "
            "melayani beberapa tujuan muncul di bawah setiap tujuan tersebut."
        ),
        "by_phase_title": "Panduan menurut fase",
        "by_phase_intro": (
            "Panduan disusun mengikuti urutan [siklus intervensi](../intervention-cycle.md), dari "
            "keterlibatan sampai terminasi."
        ),
        "count": "{n} panduan dalam {lang}.",
        "lang_name": "bahasa Indonesia",
        "cite_heading": "Cara mengutip halaman ini",
        "cite": "Lingkar ({year}). {title}. Panduan kerja kelompok Lingkar (bahasa Indonesia).",
        "changed": "Terakhir diubah",
        "address": "Alamat di situs ini",
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


def _lang_of(src_uri: str) -> str:
    return "id" if src_uri.endswith(".id.md") else "en"


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


def _last_changed(path: Path, repo: Path) -> dt.date:
    cache: dict[Path, dt.date] = _state.setdefault("dates", {})
    if path in cache:
        return cache[path]
    date: dt.date | None = None
    try:
        out = subprocess.run(  # noqa: S603 - fixed command, the path is an argument
            ["git", "log", "-1", "--format=%cs", "--", str(path)],  # noqa: S607
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
        if out:
            date = dt.date.fromisoformat(out)
    except (OSError, ValueError, subprocess.SubprocessError):
        date = None
    if date is None:
        try:
            date = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()
        except OSError:
            date = dt.datetime.now(tz=dt.UTC).date()
    cache[path] = date
    return date


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
    from backend.domain import PHASES

    return (PHASES.index(entry.phase), entry.title.casefold())


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
    from backend.domain import PHASES

    t = TEXT[lang]
    out = [f"# {t['by_phase_title']}\n\n{t['by_phase_intro']}\n"]
    for code in PHASES:
        out.append(f"## {_phase_label(code, lang)} {{ #{code} }}\n")
        out.append(_guide_list([e for e in entries if e.phase == code], lang))
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# staging


def _staging_dir(repo: Path) -> Path:
    digest = hashlib.sha256(str(repo).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"lingkar-site-{digest}-{os.getpid()}"


def _cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _build_staging(source: Path, guides_dir: Path, staging: Path, repo: Path) -> dict[str, Any]:
    from backend.guides.catalog import (
        GuideFrontMatterError,
        check_translations,
        load_guides,
        split_front_matter,
    )

    try:
        entries = load_guides(guides_dir)
        check_translations(entries)
    except GuideFrontMatterError as exc:
        shown = exc.file
        with contextlib.suppress(ValueError):
            shown = str(Path(exc.file).resolve().relative_to(repo))
        raise PluginError(f"{shown}: {exc.field}: {exc.problem}") from exc

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

    return {"entries": entries, "origin": origin}


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


# --------------------------------------------------------------------------------------------
# MkDocs events


@event_priority(100)  # before mkdocs-static-i18n (-100) reads docs_dir
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    repo = _repo_root(config)
    _import_backend(repo)
    from backend.guides.catalog import default_guides_dir

    staging = _staging_dir(repo)
    if "source" not in _state:
        _state["source"] = Path(config.docs_dir).resolve()
        _state["nav"] = copy.deepcopy(config.nav)
        atexit.register(_cleanup, staging)
    source: Path = _state["source"]
    guides_dir = default_guides_dir(repo).resolve()

    built = _build_staging(source, guides_dir, staging, repo)
    _state.update(built, repo=repo, staging=staging, guides_dir=guides_dir)
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
    lang = _lang_of(page.file.src_uri)
    if PURPOSES_MARKER in markdown:
        markdown = markdown.replace(PURPOSES_MARKER, render_purposes(lang))
    if GROUP_KINDS_MARKER in markdown:
        markdown = markdown.replace(GROUP_KINDS_MARKER, render_group_kinds(lang))

    origin = _state.get("origin", {}).get(page.file.src_uri)
    repo: Path = _state["repo"]
    changed = _last_changed(origin, repo) if origin else dt.datetime.now(tz=dt.UTC).date()
    t = TEXT[lang]
    # The page title is only known after rendering: main.html fills in {title}.
    page.meta["lingkar"] = {
        "cite_heading": t["cite_heading"],
        "cite": t["cite"].replace("{year}", str(changed.year)),
        "address": t["address"],
        "changed_label": t["changed"],
        "changed": changed.isoformat(),
    }
    return markdown


def on_shutdown() -> None:
    staging = _state.get("staging")
    if staging is not None:
        _cleanup(staging)
