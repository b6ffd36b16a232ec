"""Facilitator guides: read and validate their YAML front matter.

A guide is a Markdown file in ``facilitator_guides/`` named ``<slug>.md`` (English) or
``<slug>.id.md`` (Bahasa Indonesia). Its front matter must follow the schema below; the MkDocs
hook that publishes the guides and the backend's guide index both load guides through
:func:`load_guides`, so a guide that the site accepts is a guide the backend can index.

Schema::

    title: str                      # non-empty
    summary: str                    # non-empty
    purposes: [purpose code, ...]   # non-empty, codes from backend.domain.PURPOSE_CODES
    phase: phase code               # one of backend.domain.PHASES
    kinds: [group kind, ...]        # non-empty, codes from backend.domain.GROUP_KINDS
    duration_minutes: int           # 15..480
    group_size: {min: int, max: int}   # 2 <= min <= max <= 50
    materials: [str, ...]           # may be empty

This module is pure: it reads files and returns values; it never touches the database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backend.domain import GROUP_KINDS, PHASES, PURPOSE_CODES

LANGUAGES: tuple[str, ...] = ("en", "id")
DEFAULT_LANGUAGE = "en"
GUIDES_DIR_ENV = "LINGKAR_GUIDES_DIR"
DURATION_RANGE = (15, 480)
GROUP_SIZE_RANGE = (2, 50)
# Names the site uses for its generated guide index pages; a guide may not take them.
RESERVED_SLUGS = frozenset({"index", "by-purpose", "by-phase"})
REQUIRED_FIELDS: tuple[str, ...] = (
    "title",
    "summary",
    "purposes",
    "phase",
    "kinds",
    "duration_minutes",
    "group_size",
    "materials",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("lang",)

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class GuideFrontMatterError(ValueError):
    """A guide's front matter does not follow the schema.

    ``file`` is the guide's path as given (relative paths stay relative), ``field`` the
    offending front-matter key (or ``"front matter"``/``"file name"`` for structural errors).
    """

    def __init__(self, file: str | Path, field: str, problem: str) -> None:
        self.file = str(file)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.file}: {field}: {problem}")


@dataclass(frozen=True, slots=True)
class GuideEntry:
    slug: str
    lang: str
    title: str
    summary: str
    purposes: tuple[str, ...]
    phase: str
    kinds: tuple[str, ...]
    duration_minutes: int
    group_size_min: int
    group_size_max: int
    materials: tuple[str, ...]
    path: Path


def default_guides_dir(repo_root: Path | None = None) -> Path:
    """``$LINGKAR_GUIDES_DIR`` if set, else ``<repo>/facilitator_guides``."""
    override = os.environ.get(GUIDES_DIR_ENV)
    if override:
        return Path(override)
    root = repo_root if repo_root is not None else Path(__file__).resolve().parents[2]
    return root / "facilitator_guides"


def split_front_matter(text: str, file: str | Path) -> tuple[dict[str, Any], str]:
    """Return (front matter mapping, Markdown body) of a guide's text."""
    match = _FRONT_MATTER_RE.match(text)
    if match is None:
        raise GuideFrontMatterError(file, "front matter", "missing (the file must start with ---)")
    try:
        data = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError as exc:
        raise GuideFrontMatterError(file, "front matter", f"invalid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise GuideFrontMatterError(file, "front matter", "must be a YAML mapping")
    return data, text[match.end() :]


def slug_and_lang(path: Path) -> tuple[str, str]:
    """``x.md`` -> (``x``, ``en``); ``x.id.md`` -> (``x``, ``id``)."""
    stem = path.name.removesuffix(".md")
    slug, dot, suffix = stem.rpartition(".")
    if not dot:
        slug, lang = stem, DEFAULT_LANGUAGE
    elif re.fullmatch(r"[a-z]{2}", suffix):
        lang = suffix
        if lang not in LANGUAGES:
            raise GuideFrontMatterError(
                path, "file name", f"unknown language suffix {lang!r} (expected one of id)"
            )
    else:
        raise GuideFrontMatterError(path, "file name", f"{path.name!r} is not <slug>[.id].md")
    if not _SLUG_RE.fullmatch(slug):
        raise GuideFrontMatterError(
            path, "file name", f"slug {slug!r} must be lower-case words joined by hyphens"
        )
    if slug in RESERVED_SLUGS:
        raise GuideFrontMatterError(path, "file name", f"slug {slug!r} is reserved")
    return slug, lang


def _expected(values: Iterable[str]) -> str:
    return ", ".join(values)


def _text(data: Mapping[str, Any], field: str, file: str | Path) -> str:
    value = data[field]
    if not isinstance(value, str) or not value.strip():
        raise GuideFrontMatterError(file, field, "must be a non-empty string")
    return value.strip()


def _codes(
    data: Mapping[str, Any], field: str, allowed: tuple[str, ...], what: str, file: str | Path
) -> tuple[str, ...]:
    value = data[field]
    if not isinstance(value, list) or not value:
        raise GuideFrontMatterError(file, field, f"must be a non-empty list of {what}s")
    seen: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise GuideFrontMatterError(
                file,
                field,
                f"unknown {what} {item!r} (expected one of {_expected(allowed)})",
            )
        if item in seen:
            raise GuideFrontMatterError(file, field, f"{item!r} is listed twice")
        seen.append(item)
    return tuple(seen)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_guide(path: Path, text: str) -> GuideEntry:
    """Validate one guide's front matter; raise GuideFrontMatterError on the first problem."""
    slug, lang = slug_and_lang(path)
    data, _body = split_front_matter(text, path)

    for field in REQUIRED_FIELDS:
        if field not in data:
            raise GuideFrontMatterError(path, field, "missing")
    for field in data:
        if field not in REQUIRED_FIELDS and field not in OPTIONAL_FIELDS:
            raise GuideFrontMatterError(
                path,
                str(field),
                f"unknown field (expected {_expected(REQUIRED_FIELDS + OPTIONAL_FIELDS)})",
            )
    if "lang" in data and data["lang"] != lang:
        raise GuideFrontMatterError(
            path, "lang", f"{data['lang']!r} does not match the file name's language {lang!r}"
        )

    title = _text(data, "title", path)
    summary = _text(data, "summary", path)
    purposes = _codes(data, "purposes", PURPOSE_CODES, "purpose code", path)
    phase = data["phase"]
    if not isinstance(phase, str) or phase not in PHASES:
        raise GuideFrontMatterError(
            path, "phase", f"unknown phase {phase!r} (expected one of {_expected(PHASES)})"
        )
    kinds = _codes(data, "kinds", GROUP_KINDS, "group kind", path)

    duration = data["duration_minutes"]
    low, high = DURATION_RANGE
    if not _int(duration) or not low <= duration <= high:
        raise GuideFrontMatterError(
            path,
            "duration_minutes",
            f"must be a whole number from {low} to {high}, got {duration!r}",
        )

    size = data["group_size"]
    smallest, largest = GROUP_SIZE_RANGE
    if not isinstance(size, dict) or set(size) != {"min", "max"}:
        raise GuideFrontMatterError(path, "group_size", "must be a mapping {min: int, max: int}")
    size_min, size_max = size["min"], size["max"]
    if not _int(size_min) or not _int(size_max):
        raise GuideFrontMatterError(path, "group_size", "min and max must be whole numbers")
    if not smallest <= size_min <= size_max <= largest:
        raise GuideFrontMatterError(
            path,
            "group_size",
            f"need {smallest} <= min <= max <= {largest}, got min={size_min}, max={size_max}",
        )

    materials = data["materials"]
    if not isinstance(materials, list) or not all(
        isinstance(m, str) and m.strip() for m in materials
    ):
        raise GuideFrontMatterError(path, "materials", "must be a list of non-empty strings")

    return GuideEntry(
        slug=slug,
        lang=lang,
        title=title,
        summary=summary,
        purposes=purposes,
        phase=phase,
        kinds=kinds,
        duration_minutes=duration,
        group_size_min=size_min,
        group_size_max=size_max,
        materials=tuple(m.strip() for m in materials),
        path=path,
    )


def guide_files(directory: Path) -> list[Path]:
    """The guide files of a directory, sorted by name (README.md and _*.md are skipped)."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.glob("*.md")
        if p.is_file() and p.name != "README.md" and not p.name.startswith("_")
    )


def load_guides(directory: Path) -> list[GuideEntry]:
    """Load and validate every guide in ``directory``, sorted by slug then language."""
    entries = [parse_guide(p, p.read_text(encoding="utf-8")) for p in guide_files(directory)]
    return sorted(entries, key=lambda e: (e.slug, LANGUAGES.index(e.lang)))


_SHARED_FIELDS: tuple[str, ...] = (
    "purposes",
    "phase",
    "kinds",
    "duration_minutes",
    "group_size_min",
    "group_size_max",
)


def check_translations(entries: Iterable[GuideEntry]) -> None:
    """Every guide exists in every language, and its translations agree on the facts.

    Titles, summaries and materials are translated; purposes, phase, kinds, duration and group
    size are the same facts in every language.
    """
    by_slug: dict[str, dict[str, GuideEntry]] = {}
    for entry in entries:
        by_slug.setdefault(entry.slug, {})[entry.lang] = entry
    for slug, versions in sorted(by_slug.items()):
        base = versions.get(DEFAULT_LANGUAGE)
        for lang in LANGUAGES:
            if lang not in versions:
                have = next(iter(versions.values()))
                name = f"{slug}.md" if lang == DEFAULT_LANGUAGE else f"{slug}.{lang}.md"
                raise GuideFrontMatterError(
                    have.path, "file name", f"missing its {lang!r} counterpart {name}"
                )
        assert base is not None
        for lang, other in versions.items():
            if lang == DEFAULT_LANGUAGE:
                continue
            for field in _SHARED_FIELDS:
                if getattr(other, field) != getattr(base, field):
                    shown = "group_size" if field.startswith("group_size") else field
                    raise GuideFrontMatterError(
                        other.path,
                        shown,
                        f"differs from {base.path.name} ({getattr(other, field)!r} vs "
                        f"{getattr(base, field)!r})",
                    )
