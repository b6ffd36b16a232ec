"""Messages, dates and numbers for people, in their language.

Messages are written in English in the code, marked with :func:`N_` where they are defined (so
Babel can extract them), and translated when a response or page is built for a reader. The
catalogs are the ``.po`` files in ``backend/locales/<language>/LC_MESSAGES/messages.po``; each
process reads them once, on first use, and compiles them in memory (no build step, so a fresh
clone, ``pip install -e .`` and a wheel all work the same). Another language is one more
catalog and one more entry in :data:`LANGUAGES`.

The reader's language is decided once per request by :class:`LanguageMiddleware` and kept in
``scope["language"]``: the user's saved choice, else ``?lang=`` (remembered in a cookie), else
the ``lang`` cookie, else ``Accept-Language``, else ``LINGKAR_DEFAULT_LANGUAGE``.

Dates and times are shown with ``babel.dates`` in the reader's language and the group's time
zone (``Selasa, 24 November 2026 · 00.30 WIB``); numbers and shares with ``babel.numbers``.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.domain.vocabulary import Language

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = Language.EN.value
LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)
# Each language's own name, as a switch shows it.
LANGUAGE_NAMES = {Language.EN.value: "English", Language.ID.value: "Bahasa Indonesia"}
# The locale Babel formats with: British English writes 24 November 2026, 00:30.
BABEL_LOCALES = {Language.EN.value: "en_GB", Language.ID.value: "id"}
LANGUAGE_COOKIE = "lingkar_lang"
LANGUAGE_COOKIE_DAYS = 365


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs; it is translated where it is shown."""
    return message


def supported(language: str | None) -> str | None:
    """``language`` when Lingkar speaks it (``id``, ``id-ID`` and ``ID`` are Indonesian)."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else None


# ---------------------------------------------------------------------------- catalogs


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def translations(language: str) -> stdlib_gettext.NullTranslations:
    """The language's catalog, read from its ``.po`` file and compiled once per process.
    Fuzzy entries are left out: a translation someone has not confirmed is not shown."""
    path = catalog_path(language)
    if not path.exists():
        return stdlib_gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=BABEL_LOCALES.get(language, language), domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def translate(message: str, language: str) -> str:
    if not message:
        return message
    return translations(language).gettext(message)


def translate_plural(singular: str, plural: str, count: int, language: str) -> str:
    return translations(language).ngettext(singular, plural, count)


def format_message(message: str, params: dict[str, Any] | None = None, language: str = "en") -> str:
    """``message`` in ``language``, with ``{name}`` replaced by ``params``."""
    text = translate(message, language)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


# ---------------------------------------------------------------------------- dates, numbers


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language)


def zone_abbreviation(moment: datetime) -> str:
    """WIB, WITA, WIT, CET...; a zone without a name shows its offset (UTC-03)."""
    name = moment.tzname() or ""
    if name[:1] in "+-":
        return "UTC" + name.replace("-", "\u2212")
    return name


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def format_day(value: date | datetime, language: str, width: str = "full") -> str:
    """A day: ``Selasa, 24 November 2026`` (full), ``24 Nov 2026`` (medium)."""
    return format_date(value, width, locale=babel_locale(language))


def format_clock(value: datetime, language: str) -> str:
    """A wall-clock time: ``00.30`` in Indonesian, ``00:30`` in English."""
    return format_time(value, "short", locale=babel_locale(language))


def format_when(
    moment: datetime, timezone: str, language: str, *, width: str = "full", zone: bool = True
) -> str:
    """A moment in ``timezone`` for a reader: ``Selasa, 24 November 2026 · 00.30 WIB``."""
    at = local(moment, timezone)
    text = f"{format_day(at, language, width)} · {format_clock(at, language)}"
    return f"{text} {zone_abbreviation(at)}" if zone else text


def format_share(value: float | None, language: str) -> str:
    """A share as a percentage (``50%``), or a dash when there is none."""
    if value is None:
        return "\u2014"
    return format_percent(value, locale=babel_locale(language))


def format_number(value: float | int, language: str) -> str:
    return format_decimal(value, locale=babel_locale(language))


# ---------------------------------------------------------------------------- the request


@lru_cache(maxsize=256)
def from_accept_language(header: str) -> str | None:
    """The first language of ``Accept-Language`` (by its q-values) that Lingkar speaks."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        found = supported(tag)
        if found:
            return found
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    header = _header(scope, b"cookie")
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _query_language(scope: Scope) -> str | None:
    query = scope.get("query_string", b"")
    if b"lang=" not in query:
        return None
    for key, value in parse_qsl(query.decode("latin-1")):
        if key == "lang":
            return supported(value)
    return None


def language_cookie_header(language: str, secure: bool = False) -> bytes:
    attributes = f"; Path=/; Max-Age={LANGUAGE_COOKIE_DAYS * 86400}; SameSite=Lax"
    return f"{LANGUAGE_COOKIE}={language}{attributes}{'; Secure' if secure else ''}".encode()


def request_language(scope: Scope, default: str = DEFAULT_LANGUAGE) -> tuple[str, bool]:
    """The reader's language, and whether it came from ``?lang=`` (to be remembered)."""
    user = scope.get("user")
    saved = supported(getattr(user, "language", None)) if user is not None else None
    if saved:
        return saved, False
    asked = _query_language(scope)
    if asked:
        return asked, True
    remembered = supported(_cookie(scope, LANGUAGE_COOKIE))
    if remembered:
        return remembered, False
    header = _header(scope, b"accept-language")
    found = from_accept_language(header) if header else None
    return found or default, False


class LanguageMiddleware(ASGIMiddleware):
    """Sets ``scope["language"]``, after the user is known: everything that speaks to the
    reader (pages, API details, vocabulary answers, dates) reads it from there."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, default: str = DEFAULT_LANGUAGE, secure_cookie: bool = False) -> None:
        self.default = supported(default) or DEFAULT_LANGUAGE
        self.secure_cookie = secure_cookie

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        language, remember = request_language(scope, self.default)
        scope["language"] = language
        if not remember or _cookie(scope, LANGUAGE_COOKIE) == language:
            await next_app(scope, receive, send)
            return
        cookie = language_cookie_header(language, self.secure_cookie)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"set-cookie", cookie)]
            await send(message)

        await next_app(scope, receive, send_with_cookie)
