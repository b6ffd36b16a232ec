"""The guides index: read from the front matter once per directory, then kept in memory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from backend.guides.catalog import GuideEntry, default_guides_dir, load_guides
from backend.guides.schemas import GroupSize, GuideRead
from backend.lib.errors import Invalid
from backend.lib.i18n import N_


@lru_cache(maxsize=4)
def guide_index(directory: Path | None = None) -> tuple[GuideEntry, ...]:
    return tuple(load_guides(directory or default_guides_dir()))


@lru_cache(maxsize=4)
def guide_slugs(directory: Path | None = None) -> frozenset[str]:
    return frozenset(entry.slug for entry in guide_index(directory))


def check_guide_slug(slug: str | None, field: str = "guide") -> None:
    """422 unless ``slug`` names a published guide (``None`` means no guide)."""
    if slug is not None and slug not in guide_slugs():
        raise Invalid(
            N_("No guide with the slug {slug}."),
            params={"slug": repr(slug)},
            field=field,
            code="unknown_guide",
        )


def site_url(entry: GuideEntry) -> str:
    prefix = "/guides/" if entry.lang == "en" else f"/guides/{entry.lang}/"
    return f"{prefix}guides/{entry.slug}/"


def find_guides(
    purpose: str | None = None,
    phase: str | None = None,
    kind: str | None = None,
    lang: str | None = None,
) -> list[GuideRead]:
    return [
        GuideRead(
            slug=e.slug,
            lang=e.lang,
            title=e.title,
            summary=e.summary,
            purposes=list(e.purposes),
            phase=e.phase,
            kinds=list(e.kinds),
            duration_minutes=e.duration_minutes,
            group_size=GroupSize(min=e.group_size_min, max=e.group_size_max),
            materials=list(e.materials),
            url=site_url(e),
        )
        for e in guide_index()
        if (purpose is None or purpose in e.purposes)
        and (phase is None or e.phase == phase)
        and (kind is None or kind in e.kinds)
        and (lang is None or e.lang == lang)
    ]
