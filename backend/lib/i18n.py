"""Messages for people, in their language.

Messages are written in English in the code, marked with :func:`N_` where they are defined (so
Babel can extract them), and translated when a response or page is built for a reader.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "id")


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs; it is translated where it is shown."""
    return message


def format_message(message: str, params: dict[str, Any] | None = None, language: str = "en") -> str:
    """``message`` in ``language``, with ``{name}`` replaced by ``params``."""
    text = translate(message, language)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def translate(message: str, language: str) -> str:
    return message
