"""Fixed SQL statements with bound values, written once for SQLite and PostgreSQL.

A statement is a constant text with ``{}`` where each bound value goes (Piccolo's placeholder
style). It is compiled once per dialect into ``?`` (SQLite) or ``$1, $2, ...`` (PostgreSQL) and
the result is kept, so running it costs no string work. Where the two databases need different
text, give the PostgreSQL one as ``postgres=``. Values are never formatted into the text.

``column IN_IDS({})`` tests a column against a list of ids bound as one value (see
:meth:`backend.db.connections.Connection.ids`): ``IN (SELECT value FROM json_each(?))`` on SQLite,
``= ANY($n::bigint[])`` on PostgreSQL.
"""

from __future__ import annotations

import re
from functools import lru_cache

SQLITE = "sqlite"
POSTGRES = "postgres"

_PLACEHOLDER = re.compile(r"\{\}")


class SQL:
    __slots__ = ("_compiled", "postgres", "sqlite")

    def __init__(self, sqlite: str, *, postgres: str | None = None) -> None:
        self.sqlite = sqlite
        self.postgres = sqlite if postgres is None else postgres
        self._compiled: dict[str, str] = {}

    def text(self, dialect: str) -> str:
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = compile_placeholders(
                self.postgres if dialect == POSTGRES else self.sqlite, dialect
            )
        return compiled

    def __repr__(self) -> str:
        return f"SQL({self.sqlite!r})"


_IN_IDS = re.compile(r"\bIN_IDS\(\{\}\)")


def with_id_lists(template: str, dialect: str) -> str:
    """The template with ``IN_IDS({})`` written out for ``dialect`` (``{}`` kept)."""
    if dialect == POSTGRES:
        return _IN_IDS.sub("= ANY(CAST({} AS BIGINT[]))", template)
    return _IN_IDS.sub("IN (SELECT value FROM json_each({}))", template)


def compile_placeholders(template: str, dialect: str) -> str:
    template = with_id_lists(template, dialect)
    if dialect == POSTGRES:
        counter = iter(range(1, 1_000_000))
        return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", template)
    return template.replace("{}", "?")


@lru_cache(maxsize=2048)
def cached(text: str, postgres: str | None = None) -> SQL:
    """The compiled statement for a text assembled from constant pieces (a base and a scope's
    condition, say), kept so the same text is compiled only once."""
    return SQL(text, postgres=postgres)
