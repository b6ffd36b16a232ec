"""Programme templates: multi-session plans whose every session follows a facilitator guide.

A template is a YAML file in ``facilitator_guides/programmes/`` named ``<slug>.yaml`` (English)
or ``<slug>.id.yaml`` (Bahasa Indonesia). The MkDocs hook validates every template at build
time and renders its session table on the programme's page; the backend can load the same
files as curricula (ordered steps in modules, each step linked to a guide).

Schema::

    name: str                       # non-empty
    language: en | id               # must match the file name
    summary: str                    # optional, non-empty when given
    kind: group kind                # optional, one of backend.domain.GROUP_KINDS
    purposes: [purpose code, ...]   # optional, codes from backend.domain.PURPOSE_CODES
    modules:                        # non-empty, in order
      - code: str                   # unique in the template
        title: str
        steps:                      # non-empty, in order
          - code: str               # unique in the template (across modules)
            title: str
            guide: guide slug       # a guide that exists in facilitator_guides/

Codes are letters, digits, ``.``, ``_`` and ``-`` (for example ``M1`` and ``S3``); both
languages of a template have the same modules and steps, with the same codes and guides, in
the same order. Errors are :class:`ProgrammeError`, naming the file and the field
(``modules[1].steps[0].guide``).

This module is pure: it reads files and returns values; no database, no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backend.domain import GROUP_KINDS, PURPOSE_CODES
from backend.guides.catalog import DEFAULT_LANGUAGE, LANGUAGES, guide_files, slug_and_lang

PROGRAMMES_SUBDIR = "programmes"
TOP_FIELDS = ("name", "language", "summary", "kind", "purposes", "modules")
MODULE_FIELDS = ("code", "title", "steps")
STEP_FIELDS = ("code", "title", "guide")

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_FILE_RE = re.compile(r"^(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)(?:\.(?P<lang>[a-z]{2}))?\.ya?ml$")


class ProgrammeError(ValueError):
    """A programme template breaks the schema; ``field`` is a path such as ``modules[0].code``."""

    def __init__(self, file: str | Path, field: str, problem: str) -> None:
        self.file = str(file)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.file}: {field}: {problem}")


@dataclass(frozen=True, slots=True)
class Step:
    code: str
    title: str
    guide: str


@dataclass(frozen=True, slots=True)
class Module:
    code: str
    title: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Programme:
    slug: str
    language: str
    name: str
    summary: str | None
    kind: str | None
    purposes: tuple[str, ...]
    modules: tuple[Module, ...]
    path: Path

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step in order, across modules."""
        return tuple(step for module in self.modules for step in module.steps)


def programmes_dir(guides_dir: Path) -> Path:
    """Where the templates live: ``<guides dir>/programmes``."""
    return guides_dir / PROGRAMMES_SUBDIR


def guide_slugs_in(guides_dir: Path) -> frozenset[str]:
    """The slugs of the guide files in a directory (by file name; front matter not read)."""
    return frozenset(slug_and_lang(path)[0] for path in guide_files(guides_dir))


def slug_and_language(path: Path) -> tuple[str, str]:
    """``x.yaml`` -> (``x``, ``en``); ``x.id.yaml`` -> (``x``, ``id``)."""
    match = _FILE_RE.fullmatch(path.name)
    if match is None:
        raise ProgrammeError(path, "file name", f"{path.name!r} is not <slug>[.id].yaml")
    lang = match["lang"] or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        raise ProgrammeError(
            path, "file name", f"unknown language suffix {lang!r} (expected one of id)"
        )
    return match["slug"], lang


def _mapping(value: Any, file: Path, field: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ProgrammeError(file, field or "file", "must be a YAML mapping")
    for key in value:
        if key not in allowed:
            where = f"{field}.{key}" if field else str(key)
            raise ProgrammeError(file, where, f"unknown field (expected {', '.join(allowed)})")
    return value


def _text(data: Mapping[str, Any], key: str, file: Path, where: str) -> str:
    if key not in data:
        raise ProgrammeError(file, where, "missing")
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ProgrammeError(file, where, "must be a non-empty string")
    return value.strip()


def _code(data: Mapping[str, Any], file: Path, where: str, seen: set[str]) -> str:
    if "code" not in data:
        raise ProgrammeError(file, where, "missing")
    code = data["code"]
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        raise ProgrammeError(
            file, where, f"must be 1-32 letters, digits, '.', '_' or '-', got {code!r}"
        )
    if code in seen:
        raise ProgrammeError(file, where, f"{code!r} is used twice")
    seen.add(code)
    return code


def _list(data: Mapping[str, Any], key: str, file: Path, where: str) -> list[Any]:
    if key not in data:
        raise ProgrammeError(file, where, "missing")
    value = data[key]
    if not isinstance(value, list) or not value:
        raise ProgrammeError(file, where, "must be a non-empty list")
    return value


def parse_programme(path: Path, text: str, guide_slugs: Collection[str]) -> Programme:
    """Validate one template's text; raise :class:`ProgrammeError` on the first problem."""
    slug, lang = slug_and_language(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProgrammeError(path, "file", f"invalid YAML: {exc}") from exc
    data = _mapping(raw, path, "", TOP_FIELDS)

    name = _text(data, "name", path, "name")
    if "language" not in data:
        raise ProgrammeError(path, "language", "missing")
    if data["language"] != lang:
        raise ProgrammeError(
            path,
            "language",
            f"{data['language']!r} does not match the file name's language {lang!r}",
        )
    summary = _text(data, "summary", path, "summary") if "summary" in data else None
    kind = data.get("kind")
    if kind is not None and kind not in GROUP_KINDS:
        raise ProgrammeError(
            path, "kind", f"unknown group kind {kind!r} (expected one of {', '.join(GROUP_KINDS)})"
        )
    purposes = data.get("purposes", [])
    if (
        not isinstance(purposes, list)
        or not all(isinstance(code, str) for code in purposes)
        or len(set(purposes)) != len(purposes)
    ):
        raise ProgrammeError(path, "purposes", "must be a list of distinct purpose codes")
    for code in purposes:
        if code not in PURPOSE_CODES:
            raise ProgrammeError(
                path,
                "purposes",
                f"unknown purpose code {code!r} (expected one of {', '.join(PURPOSE_CODES)})",
            )

    module_codes: set[str] = set()
    step_codes: set[str] = set()
    modules: list[Module] = []
    for m, raw_module in enumerate(_list(data, "modules", path, "modules")):
        at = f"modules[{m}]"
        module = _mapping(raw_module, path, at, MODULE_FIELDS)
        code = _code(module, path, f"{at}.code", module_codes)
        title = _text(module, "title", path, f"{at}.title")
        steps: list[Step] = []
        for s, raw_step in enumerate(_list(module, "steps", path, f"{at}.steps")):
            here = f"{at}.steps[{s}]"
            step = _mapping(raw_step, path, here, STEP_FIELDS)
            step_code = _code(step, path, f"{here}.code", step_codes)
            step_title = _text(step, "title", path, f"{here}.title")
            guide = _text(step, "guide", path, f"{here}.guide")
            if guide not in guide_slugs:
                raise ProgrammeError(path, f"{here}.guide", f"no guide with the slug {guide!r}")
            steps.append(Step(code=step_code, title=step_title, guide=guide))
        modules.append(Module(code=code, title=title, steps=tuple(steps)))

    return Programme(
        slug=slug,
        language=lang,
        name=name,
        summary=summary,
        kind=kind,
        purposes=tuple(purposes),
        modules=tuple(modules),
        path=path,
    )


def load_programme(path: Path, guide_slugs: Collection[str] | None = None) -> Programme:
    """Load and validate one template.

    ``guide_slugs`` are the guides a step may name; by default, the guides in the directory
    that holds ``programmes/`` (``facilitator_guides/``).
    """
    if guide_slugs is None:
        guide_slugs = guide_slugs_in(path.resolve().parent.parent)
    return parse_programme(path, path.read_text(encoding="utf-8"), guide_slugs)


def programme_files(directory: Path) -> list[Path]:
    """The template files of a directory, sorted by name (names starting with ``_`` skipped)."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in [*directory.glob("*.yaml"), *directory.glob("*.yml")]
        if p.is_file() and not p.name.startswith("_")
    )


def load_programmes(directory: Path, guide_slugs: Collection[str] | None = None) -> list[Programme]:
    """Load and validate every template in ``directory``, sorted by slug then language, and
    check that each exists in every language with the same structure."""
    if guide_slugs is None:
        guide_slugs = guide_slugs_in(directory.resolve().parent)
    programmes = [load_programme(p, guide_slugs) for p in programme_files(directory)]
    programmes.sort(key=lambda p: (p.slug, LANGUAGES.index(p.language)))
    check_translations(programmes)
    return programmes


def _outline(programme: Programme) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [(m.code, tuple((s.code, s.guide) for s in m.steps)) for m in programme.modules]


def check_translations(programmes: Iterable[Programme]) -> None:
    """Every template exists in every language, with the same codes and guides in order."""
    by_slug: dict[str, dict[str, Programme]] = {}
    for programme in programmes:
        versions = by_slug.setdefault(programme.slug, {})
        if programme.language in versions:
            raise ProgrammeError(
                programme.path,
                "file name",
                f"{versions[programme.language].path.name} has the same slug and language",
            )
        versions[programme.language] = programme
    for slug, versions in sorted(by_slug.items()):
        for lang in LANGUAGES:
            if lang not in versions:
                have = next(iter(versions.values()))
                name = f"{slug}.yaml" if lang == DEFAULT_LANGUAGE else f"{slug}.{lang}.yaml"
                raise ProgrammeError(
                    have.path, "file name", f"missing its {lang!r} counterpart {name}"
                )
        base = versions[DEFAULT_LANGUAGE]
        for lang, other in versions.items():
            if lang == DEFAULT_LANGUAGE:
                continue
            if (other.kind, other.purposes) != (base.kind, base.purposes):
                raise ProgrammeError(
                    other.path, "kind", f"kind and purposes differ from {base.path.name}"
                )
            if _outline(other) != _outline(base):
                raise ProgrammeError(
                    other.path,
                    "modules",
                    f"module and step codes or guides differ from {base.path.name}",
                )
