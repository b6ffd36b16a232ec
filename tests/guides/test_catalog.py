"""The facilitator-guide catalogue: real guides load; bad front matter names file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.domain import GROUP_KINDS, PHASES, PURPOSE_CODES
from backend.guides.catalog import (
    GuideEntry,
    GuideFrontMatterError,
    check_translations,
    default_guides_dir,
    load_guides,
)

REPO = Path(__file__).resolve().parents[2]
GUIDES = REPO / "facilitator_guides"

GOOD = {
    "title": "Check-in round",
    "summary": "A short opening round.",
    "purposes": "[mutual-aid, reduce-isolation]",
    "phase": "engagement",
    "kinds": "[support, growth]",
    "duration_minutes": "30",
    "group_size": "{min: 4, max: 12}",
    "materials": "[Talking piece]",
}


def write_guide(directory: Path, name: str, fields: dict[str, str | None]) -> Path:
    lines = [f"{key}: {value}" for key, value in fields.items() if value is not None]
    path = directory / name
    path.write_text("---\n" + "\n".join(lines) + "\n---\n\n# Guide\n\nBody.\n", encoding="utf-8")
    return path


def test_real_guides_load_and_agree_across_languages() -> None:
    entries = load_guides(GUIDES)
    if not entries:
        pytest.skip("no facilitator guides yet")
    check_translations(entries)
    for entry in entries:
        assert isinstance(entry, GuideEntry)
        assert entry.lang in {"en", "id"}
        assert entry.purposes and set(entry.purposes) <= set(PURPOSE_CODES)
        assert entry.phase in PHASES
        assert entry.kinds and set(entry.kinds) <= set(GROUP_KINDS)
        assert 15 <= entry.duration_minutes <= 480
        assert 2 <= entry.group_size_min <= entry.group_size_max <= 50
        assert entry.path.is_file()
    slugs = {e.slug for e in entries}
    assert {(s, lang) for s in slugs for lang in ("en", "id")} == {
        (e.slug, e.lang) for e in entries
    }


def test_a_good_guide_pair(tmp_path: Path) -> None:
    write_guide(tmp_path, "check-in.md", GOOD)
    write_guide(tmp_path, "check-in.id.md", {**GOOD, "title": "Putaran pembuka"})
    en, id_ = load_guides(tmp_path)
    assert (en.slug, en.lang, id_.slug, id_.lang) == ("check-in", "en", "check-in", "id")
    assert en.purposes == ("mutual-aid", "reduce-isolation")
    assert en.kinds == ("support", "growth")
    assert (en.duration_minutes, en.group_size_min, en.group_size_max) == (30, 4, 12)
    assert en.materials == ("Talking piece",)
    assert id_.title == "Putaran pembuka"
    check_translations([en, id_])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("purposes", "[not-a-purpose]"),
        ("purposes", "[]"),
        ("phase", "warming-up"),
        ("kinds", "[choir]"),
        ("kinds", "support"),
        ("duration_minutes", "5"),
        ("duration_minutes", "600"),
        ("duration_minutes", "'an hour'"),
        ("group_size", "{min: 12, max: 4}"),
        ("group_size", "{min: 1, max: 4}"),
        ("group_size", "{min: 4, max: 51}"),
        ("group_size", "8"),
        ("materials", "chalk"),
        ("title", None),
        ("title", "''"),
        ("summary", None),
    ],
)
def test_bad_front_matter_names_the_file_and_field(
    tmp_path: Path, field: str, value: str | None
) -> None:
    path = write_guide(tmp_path, "broken.md", {**GOOD, field: value})
    with pytest.raises(GuideFrontMatterError) as caught:
        load_guides(tmp_path)
    assert caught.value.field == field
    assert caught.value.file == str(path)
    assert str(caught.value).startswith(f"{path}: {field}: ")


def test_unknown_purpose_message_lists_the_codes(tmp_path: Path) -> None:
    write_guide(tmp_path, "x.md", {**GOOD, "purposes": "[not-a-purpose]"})
    with pytest.raises(GuideFrontMatterError, match="unknown purpose code 'not-a-purpose'") as e:
        load_guides(tmp_path)
    assert all(code in str(e.value) for code in PURPOSE_CODES)


def test_missing_front_matter_and_bad_names(tmp_path: Path) -> None:
    (tmp_path / "plain.md").write_text("# No front matter\n", encoding="utf-8")
    with pytest.raises(GuideFrontMatterError) as caught:
        load_guides(tmp_path)
    assert caught.value.field == "front matter"
    (tmp_path / "plain.md").unlink()
    write_guide(tmp_path, "index.md", GOOD)
    with pytest.raises(GuideFrontMatterError) as caught:
        load_guides(tmp_path)
    assert caught.value.field == "file name"


def test_translations_must_exist_and_agree(tmp_path: Path) -> None:
    write_guide(tmp_path, "check-in.md", GOOD)
    with pytest.raises(GuideFrontMatterError, match=r"check-in\.id\.md"):
        check_translations(load_guides(tmp_path))
    write_guide(tmp_path, "check-in.id.md", {**GOOD, "phase": "planning"})
    with pytest.raises(GuideFrontMatterError) as caught:
        check_translations(load_guides(tmp_path))
    assert caught.value.field == "phase"
    assert caught.value.file.endswith("check-in.id.md")


def test_guides_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LINGKAR_GUIDES_DIR", str(tmp_path))
    assert default_guides_dir() == tmp_path
    monkeypatch.delenv("LINGKAR_GUIDES_DIR")
    assert default_guides_dir(REPO) == GUIDES
