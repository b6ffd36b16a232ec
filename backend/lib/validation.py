"""msgspec's validation messages, said for people: one classification shared by the API's
problems and the pages' forms.

msgspec explains a refused value in its own words ("Expected `int` >= 2", a regular
expression, "Invalid enum value 'x'"). Here each message becomes a *kind* (``out_of_range``,
``blank``, ``not_an_email``...), a stable code (``capacity_out_of_range``) and a catalog
message naming the field (by its API name, or by the label a form gives it), translated for
the reader. The original text never reaches a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from backend.lib.i18n import N_, format_message

_BOUND = re.compile(r"^Expected `(\w+)`(?: of length)? ([<>]=?) (-?[\d.]+)")
_TYPE = re.compile(r"^Expected `([\w |]+)`, got `(\w+)`")
_NAMED = re.compile(r"(?:missing required|unknown) field `([^`]+)`")
# The lookahead of a name that must hold more than spaces (backend.lib.types._VISIBLE).
_BLANK_PATTERN = "(?=.*"

MESSAGES = {
    "required": N_("{field} is required."),
    "blank": N_("Fill in {field}."),
    "too_small": N_("{field} must be at least {min}."),
    "too_large": N_("{field} must be at most {max}."),
    "too_short": N_("{field} needs at least {min} characters."),
    "too_long": N_("{field} can be at most {max} characters long."),
    "too_few": N_("{field}: choose at least {min}."),
    "too_many": N_("{field}: choose at most {max}."),
    "not_an_email": N_("{field} is not an email address, such as nama@contoh.id."),
    "not_a_phone": N_("{field} is not a phone number: use digits, spaces and + - ( ) only."),
    "not_a_number": N_("{field} must be a number."),
    "not_a_date": N_("{field} is not a date."),
    "not_a_time": N_("{field} is not a time."),
    "not_yes_or_no": N_("{field} must be yes or no."),
    "invalid_choice": N_("{field}: choose one of the options."),
    "repeated": N_("{field}: a value is repeated."),
    "unknown_timezone": N_("{field}: choose a time zone from the list."),
    "unknown_field": N_("{field} is not part of this request."),
    "invalid_characters": N_("{field} holds characters that cannot be saved (control codes)."),
    "invalid": N_("{field} is not valid."),
}
# Kinds whose code says out of range (the API's stable codes).
CODE_OF = {
    "too_small": "out_of_range",
    "too_large": "out_of_range",
    "too_short": "too_short",
    "too_long": "too_long",
    "too_few": "too_few",
    "too_many": "too_many",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a value was refused: the field's path (``records[3].status``), a kind, its
    parameters, and msgspec's own text (for logs, never for people)."""

    field: str | None
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    original: str = ""

    @property
    def leaf(self) -> str:
        """The field's own name, without its place in a list: ``status``."""
        name = (self.field or "body").rsplit(".", 1)[-1]
        return re.sub(r"\[\d+\]$", "", name)

    @property
    def code(self) -> str:
        return f"{self.leaf}_{CODE_OF.get(self.kind, self.kind)}"

    def message(self, language: str, label: str | None = None) -> str:
        """The refusal in ``language``, naming the field by ``label`` (or its API name)."""
        return format_message(
            MESSAGES[self.kind], {**self.params, "field": label or self.field or ""}, language
        )


def _kind_of_pattern(leaf: str, text: str) -> str:
    if _BLANK_PATTERN in text:
        return "blank"
    if "@" in text or leaf == "email":
        return "not_an_email"
    if leaf == "phone" or "0-9+" in text:
        return "not_a_phone"
    return "invalid_characters"


def classify(field_path: str | None, text: str) -> Refusal:
    """The refusal behind msgspec's ``text`` about ``field_path``."""
    leaf = re.sub(r"\[\d+\]$", "", (field_path or "").rsplit(".", 1)[-1])
    original = text
    text = text.strip()
    bound = _BOUND.match(text)
    if bound:
        kind_of_value, operator, number = bound.groups()
        value: Any = int(float(number)) if float(number).is_integer() else float(number)
        strict = len(operator) == 1
        if strict:  # > 0 means at least 1 (for integers)
            value = value + 1 if operator == ">" else value - 1
        sized = "of length" in text
        if sized and kind_of_value in ("array", "object"):
            kind = "too_few" if operator.startswith(">") else "too_many"
        elif sized:
            kind = "too_short" if operator.startswith(">") else "too_long"
            if kind == "too_short" and value <= 1:
                return Refusal(field_path, "blank", {}, original)
        else:
            kind = "too_small" if operator.startswith(">") else "too_large"
        key = "min" if kind in ("too_small", "too_short", "too_few") else "max"
        return Refusal(field_path, kind, {key: value}, original)
    if "matching regex" in text:
        return Refusal(field_path, _kind_of_pattern(leaf, text), {}, original)
    typed = _TYPE.match(text)
    if typed:
        expected = typed.group(1)
        if "int" in expected or "float" in expected:
            return Refusal(field_path, "not_a_number", {}, original)
        if "bool" in expected:
            return Refusal(field_path, "not_yes_or_no", {}, original)
        return Refusal(field_path, "invalid", {}, original)
    if text.startswith("Invalid enum value"):
        return Refusal(field_path, "invalid_choice", {}, original)
    if "missing required field" in text:
        return Refusal(field_path, "required", {}, original)
    if "unknown field" in text:
        return Refusal(field_path, "unknown_field", {}, original)
    if text.startswith("Invalid RFC3339") or "datetime" in text:
        return Refusal(field_path, "not_a_time", {}, original)
    if text.startswith("Invalid ISO 8601 date") or "date" in text.split(" ", 3)[:3]:
        return Refusal(field_path, "not_a_date", {}, original)
    if "unknown time zone" in text:
        return Refusal(field_path, "unknown_timezone", {}, original)
    if "must not repeat" in text:
        return Refusal(field_path, "repeated", {}, original)
    return Refusal(field_path, "invalid", {}, original)


def from_msgspec(text: str) -> Refusal:
    """A refusal from the text of a ``msgspec.ValidationError`` (``... - at `$.field```);
    a ``__post_init__`` check names its field first (``timezone: unknown time zone``)."""
    message, _, where = text.partition(" - at `$")
    path = where.rstrip("`").lstrip(".") or None
    named = _NAMED.search(message)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    elif path is None or ":" in message.split(" ", 1)[0]:
        head, sep, rest = message.partition(": ")
        if sep and " " not in head and head.replace("_", "").replace(".", "").isalnum():
            path = f"{path}.{head}" if path and not path.endswith(head) else head
            message = rest
    return classify(path, message)
