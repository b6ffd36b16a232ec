"""Programme templates: the real ones load and agree across languages; a broken template names
its file and field, both when loaded directly and when it stops `mkdocs build --strict`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from backend.guides.catalog import load_guides
from backend.guides.programmes import (
    Programme,
    ProgrammeError,
    check_translations,
    load_programme,
    load_programmes,
    programmes_dir,
)
from tests.conftest import mkdocs_build

REPO = Path(__file__).resolve().parents[2]
GUIDES = REPO / "facilitator_guides"
PROGRAMMES = programmes_dir(GUIDES)
SLUGS = frozenset({"first-session-and-group-agreement", "mutual-aid-circle", "ending-a-group-well"})

GOOD = """\
name: Three-session taster
language: en
kind: support
purposes: [mutual-aid]
modules:
  - code: M1
    title: Beginning
    steps:
      - {code: S1, title: Welcome, guide: first-session-and-group-agreement}
  - code: M2
    title: Middle and end
    steps:
      - {code: S2, title: Helping each other, guide: mutual-aid-circle}
      - {code: S3, title: Goodbye, guide: ending-a-group-well}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_real_templates_load_in_both_languages() -> None:
    programmes = load_programmes(PROGRAMMES)
    by_slug: dict[str, dict[str, Programme]] = {}
    for programme in programmes:
        by_slug.setdefault(programme.slug, {})[programme.language] = programme
    assert set(by_slug) == {"eight-session-support-group", "six-session-skills-group"}
    assert [len(v["en"].steps) for _, v in sorted(by_slug.items())] == [8, 6]
    guides = {entry.slug for entry in load_guides(GUIDES)}
    for versions in by_slug.values():
        assert set(versions) == {"en", "id"}
        for programme in versions.values():
            assert programme.name and programme.modules
            assert all(step.guide in guides for step in programme.steps)
            codes = [step.code for step in programme.steps]
            assert len(codes) == len(set(codes))


def test_a_good_template_becomes_frozen_modules_and_steps(tmp_path: Path) -> None:
    programme = load_programme(write(tmp_path, "taster.yaml", GOOD), SLUGS)
    assert (programme.slug, programme.language, programme.kind) == ("taster", "en", "support")
    assert [m.code for m in programme.modules] == ["M1", "M2"]
    assert [(s.code, s.guide) for s in programme.steps] == [
        ("S1", "first-session-and-group-agreement"),
        ("S2", "mutual-aid-circle"),
        ("S3", "ending-a-group-well"),
    ]
    with pytest.raises(AttributeError):
        programme.name = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (
            ("guide: mutual-aid-circle", "guide: no-such-guide"),
            "modules[1].steps[0].guide",
            "no guide with the slug 'no-such-guide'",
        ),
        (("code: S3", "code: S2"), "modules[1].steps[1].code", "'S2' is used twice"),
        (("code: M2", "code: M1"), "modules[1].code", "'M1' is used twice"),
        (("language: en", "language: id"), "language", "does not match"),
        (("name: Three-session taster\n", ""), "name", "missing"),
        (("kind: support", "kind: circus"), "kind", "unknown group kind 'circus'"),
        (("purposes: [mutual-aid]", "purposes: [fun]"), "purposes", "unknown purpose code 'fun'"),
        (
            ("title: Goodbye, ", "title: Goodbye, colour: red, "),
            "modules[1].steps[1].colour",
            "unknown field",
        ),
        (
            ("    steps:\n      - {code: S1", "    steps: []\n    x:\n      - {code: S1"),
            "modules[0].x",
            "unknown field",
        ),
    ],
)
def test_a_broken_template_names_its_file_and_field(
    tmp_path: Path, change: tuple[str, str], field: str, problem: str
) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, "taster.yaml", GOOD.replace(old, new, 1))
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path, SLUGS)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_empty_steps_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    steps:\n      - {code: S1, title: Welcome, guide: first-session-and-group-agreement}",
        "    steps: []",
    )
    with pytest.raises(ProgrammeError, match=r"modules\[0\]\.steps: must be a non-empty list"):
        load_programme(write(tmp_path, "taster.yaml", text), SLUGS)


def test_each_template_needs_its_twin_with_the_same_outline(tmp_path: Path) -> None:
    english = load_programme(write(tmp_path, "taster.yaml", GOOD), SLUGS)
    with pytest.raises(ProgrammeError, match=r"missing its 'id' counterpart taster\.id\.yaml"):
        check_translations([english])
    twin = GOOD.replace("language: en", "language: id").replace("Welcome", "Selamat datang")
    indonesian = load_programme(write(tmp_path, "taster.id.yaml", twin), SLUGS)
    check_translations([english, indonesian])
    swapped = twin.replace("mutual-aid-circle", "first-session-and-group-agreement")
    other = load_programme(write(tmp_path, "taster.id.yaml", swapped), SLUGS)
    with pytest.raises(ProgrammeError) as caught:
        check_translations([english, other])
    assert caught.value.field == "modules"


def test_a_bad_file_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeError) as caught:
        load_programme(write(tmp_path, "Taster Plan.yaml", GOOD), SLUGS)
    assert caught.value.field == "file name"


@pytest.mark.slow
def test_a_broken_template_fails_the_site_build_naming_file_and_field(tmp_path: Path) -> None:
    guides = tmp_path / "guides"
    shutil.copytree(GUIDES, guides)
    template = guides / "programmes" / "six-session-skills-group.yaml"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("guide: assessment-in-a-group", "guide: no-such-guide"))
    result = mkdocs_build(tmp_path / "out", env={"LINGKAR_GUIDES_DIR": str(guides)})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(
        r"six-session-skills-group\.yaml: modules\[0\]\.steps\[1\]\.guide: "
        r"no guide with the slug 'no-such-guide'",
        output,
    ), output[-3000:]
