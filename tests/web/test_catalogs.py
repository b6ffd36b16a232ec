"""The catalogs are complete, and the templates hold no English outside them.

Every message marked in the code (``N_``, ``_``) or the templates (``{% trans %}``, ``_()``)
has an Indonesian translation that is neither empty nor fuzzy and keeps the message's
placeholders; and no text a person can see in a template (text between tags, ``alt``,
``title``, ``placeholder``, ``aria-label``, ``label`` and ``value`` of buttons) is written
outside the catalog.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

from backend.lib.i18n import LANGUAGES, catalog_path, translate
from backend.web.render import install_i18n

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "backend" / "web" / "templates"
PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)s")
# Words that are the same in every language: the product's name, and formats.
SAME_EVERYWHERE = {"Lingkar", "CSV", "WhatsApp", "Email", "Admin", "Status", "Indonesia"}


def extracted() -> dict[str, str]:
    """Every message of the code and the templates, as ``make messages`` extracts them."""
    method_map = [
        ("backend/**.py", "python"),
        ("backend/web/templates/**.html", "jinja2"),
    ]
    options = {
        "backend/web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"},
    }
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options, keywords={"N_": None, "_": None, "gettext": None}
    ):
        found[message if isinstance(message, str) else message[0]] = filename
    return found


def catalog(language: str):
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language)


def test_every_message_has_an_indonesian_translation() -> None:
    messages = extracted()
    assert len(messages) > 300
    indonesian = catalog("id")
    problems = []
    for message, where in sorted(messages.items()):
        entry = indonesian.get(message)
        if entry is None:
            problems.append(f"missing from the id catalog ({where}): {message!r}")
            continue
        if not entry.string:
            problems.append(f"empty ({where}): {message!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy ({where}): {message!r}")
        elif set(PLACEHOLDER.findall(message)) != set(PLACEHOLDER.findall(entry.string)):
            problems.append(f"placeholders differ: {message!r} -> {entry.string!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_compile_and_translate(language: str) -> None:
    assert catalog_path(language).exists()
    expected = "Simpan presensi" if language == "id" else "Save the roll"
    assert translate("Save the roll", language) == expected


class VisibleText(HTMLParser):
    """Text a person sees in a stretch of template outside the catalog."""

    ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "label")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.found.append(value)
            if name == "value" and value and tag in ("button",):
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.found.append(data)


def words(text: str) -> list[str]:
    # Jinja expressions were cut out before; what is left of them is punctuation.
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'\u2019]+", text) if w not in SAME_EVERYWHERE]


def untranslated_text(source: str) -> list[str]:
    """The English words of a template that are outside ``{% trans %}`` blocks and ``_()``:
    the lexer's data tokens (text and markup), with Jinja expressions and tags removed."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    install_i18n(env)
    data = []
    depth = 0
    pending_block: list[str] = []
    for _lineno, kind, value in env.lex(source):
        if kind == "block_begin":
            pending_block = []
        elif kind == "name" and pending_block == []:
            pending_block.append(value)
            if value == "trans":
                depth += 1
            elif value == "endtrans":
                depth -= 1
        elif kind == "data" and depth == 0:
            data.append(value)
        elif kind in ("variable_begin", "block_begin") and depth == 0:
            data.append("\x00")  # where a value goes: not text
    parser = VisibleText()
    parser.feed("".join(data).replace("\x00", " "))
    return [w for text in parser.found for w in words(text)]


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
)
def test_no_english_outside_the_catalog(template: str) -> None:
    found = untranslated_text((TEMPLATES / template).read_text(encoding="utf-8"))
    assert not found, f"{template}: text outside {{% trans %}} or _(): {found}"


def test_the_check_finds_english_outside_the_catalog() -> None:
    source = (
        '<p>{% trans %}Inside{% endtrans %} Outside <a title="Hover text">{{ _("x") }}</a>'
        "<script>var ignored = 1;</script></p>"
    )
    assert untranslated_text(source) == ["Outside", "Hover", "text"]
